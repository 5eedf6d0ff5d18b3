/**
 * The empty-result policy for health queries (synapse's `use_previous_backends`): a
 * service that had instances and suddenly answers none (a leader election, an agent
 * restart, a stale read) keeps its previous instances for a grace period instead of
 * wiping every `server` line at once. A service that never had instances renders
 * empty; a service that stays empty past the grace renders empty. Pure.
 */
export interface HeldValue<T> {
  /** What templates see. */
  value: T[];
  /** Set while the previous instances are held in place of an empty answer. */
  heldSince?: number;
}

export interface PolicyResult<T> extends HeldValue<T> {
  /** True when this answer started a hold (count and log it once). */
  started: boolean;
  /** When the hold ends, if one is running. */
  expiresAt?: number;
}

export function applyEmptyPolicy<T>(previous: HeldValue<T> | undefined, incoming: T[], now: number, graceMs: number): PolicyResult<T> {
  if (incoming.length > 0 || graceMs <= 0 || !previous || previous.value.length === 0) {
    return { value: incoming, started: false };
  }
  const since = previous.heldSince ?? now;
  if (now - since >= graceMs) return { value: incoming, started: false };
  return { value: previous.value, heldSince: since, started: previous.heldSince === undefined, expiresAt: since + graceMs };
}
