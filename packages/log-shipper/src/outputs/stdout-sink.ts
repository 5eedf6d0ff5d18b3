import type { Sink, SinkEvents, SinkItem } from './sink.js';

/**
 * JSON lines on stdout, the Kubernetes-native way (the node's log agent picks them
 * up). Records are joined per event-loop turn and written in one call; if stdout
 * cannot keep up, `pressure` asks the caller to pause its input.
 */
export class StdoutSink implements Sink {
  readonly name = 'stdout';
  private parts: string[] = [];
  private bytes = 0;
  private scheduled = false;
  private waiting = false;

  constructor(
    private readonly events: SinkEvents,
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {}

  get bufferedBytes(): number {
    return this.bytes;
  }

  offer(item: SinkItem): boolean {
    this.parts.push(item.json);
    this.bytes += item.json.length + 1;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.parts.length === 0) return;
    const n = this.parts.length;
    const body = `${this.parts.join('\n')}\n`;
    const bytes = this.bytes;
    this.parts = [];
    this.bytes = 0;
    const ok = this.out.write(body);
    this.events.sent(n, bytes);
    if (!ok && !this.waiting) {
      this.waiting = true;
      this.events.pressure(true);
      this.out.once('drain', () => {
        this.waiting = false;
        this.events.pressure(false);
      });
    }
  }

  async stop(): Promise<void> {
    this.flush();
  }
}
