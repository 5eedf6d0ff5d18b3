/**
 * A FIFO that keeps a running byte total, with O(1) amortised pop (an index into
 * the array, compacted now and then: `Array#shift` is O(n) at 100k entries).
 */
export class ByteQueue<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T, size: number): void {
    this.items.push(item);
    this.sizes.push(size);
    this.bytes += size;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The first items whose sizes add up to at most `maxBytes` (always at least one). */
  peekBytes(maxBytes: number): T[] {
    let end = this.head;
    let total = 0;
    while (end < this.items.length && (end === this.head || total + this.sizes[end]! <= maxBytes)) total += this.sizes[end++]!;
    return this.items.slice(this.head, end);
  }

  /** Removes the first `n` items; returns their bytes. */
  drop(n: number): number {
    let freed = 0;
    for (let i = 0; i < n && this.head < this.items.length; i++) freed += this.sizes[this.head++]!;
    this.bytes -= freed;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return freed;
  }
}
