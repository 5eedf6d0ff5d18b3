/**
 * Ids of versions this process has seen pass `haproxy -c`, newest last, at most
 * `limit`. An id is the content hash of every live file, so a candidate with a
 * remembered id is byte-for-byte a checked version and need not be checked again: a
 * health flap (instance out, then back) returns to the version before it, and its
 * runtime update then skips the check. Only this process's own verdicts count: a
 * release left on disk by an older supervisor may never have been checked.
 */
export class CheckedVersions {
  private readonly ids = new Set<string>();

  constructor(private readonly limit = 64) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
  }
}
