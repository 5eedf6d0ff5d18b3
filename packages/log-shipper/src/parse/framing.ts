/**
 * Syslog over a byte stream (RFC 6587): octet counting (`<len> <msg>`, what an HAProxy
 * ring sends with `log-proto octet-count`) and non-transparent framing (one message
 * per LF-terminated line). The framing is detected per frame, like rsyslog does: a
 * frame that starts with digits and a space is octet-counted, anything else runs to
 * the next LF. A streaming decoder: feed it chunks as they arrive, in order.
 */

/** What the decoder says about one frame besides its bytes. */
export interface FrameInfo {
  framing: 'octet-counting' | 'newline';
  /** The message was longer than `maxFrameBytes` (only the first bytes are given) or cut by the end of the stream. */
  truncated: boolean;
}

export type FrameHandler = (frame: Buffer, info: FrameInfo) => void;

const LF = 10;
const CR = 13;
const SP = 32;
const MAX_COUNT_DIGITS = 9;

type Mode =
  | { kind: 'start' }
  | { kind: 'octets'; need: number; keep: number; truncated: boolean } // `need` bytes still belong to the frame; keep the first `keep`
  | { kind: 'line' }
  | { kind: 'discard-line' };

/**
 * Splits a syslog byte stream into frames. Memory is bounded by `maxFrameBytes`: a
 * longer message is delivered cut to that size with `truncated: true` and the rest
 * is skipped (by count, or up to the next LF).
 */
export class SyslogFrameDecoder {
  private mode: Mode = { kind: 'start' };
  private parts: Buffer[] = [];
  private partsLength = 0;

  constructor(private readonly opts: { maxFrameBytes: number }) {}

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.partsLength;
  }

  push(chunk: Buffer, onFrame: FrameHandler): void {
    let buf = chunk;
    let pos = 0;
    if (this.partsLength > 0 && this.mode.kind === 'start') {
      // A frame header (the digits of a count) was split across chunks: rejoin it.
      buf = Buffer.concat([...this.parts, chunk]);
      this.parts = [];
      this.partsLength = 0;
    }
    while (pos < buf.length) {
      const mode = this.mode;
      if (mode.kind === 'start') {
        const c = buf[pos]!;
        if (c === LF || c === CR || c === 0) {
          pos++; // separators between frames, some senders add them after octet frames
          continue;
        }
        if (c >= 48 && c <= 57) {
          const header = readCount(buf, pos);
          if (header === 'incomplete') {
            this.hold(buf.subarray(pos));
            return;
          }
          if (header) {
            pos = header.next;
            const keep = Math.min(header.count, this.opts.maxFrameBytes);
            this.mode = { kind: 'octets', need: header.count, keep, truncated: keep < header.count };
            continue;
          }
        }
        this.mode = { kind: 'line' };
      } else if (mode.kind === 'octets') {
        const take = Math.min(mode.need, buf.length - pos);
        const keepNow = Math.min(take, Math.max(0, mode.keep - this.partsLength));
        if (keepNow > 0) this.hold(buf.subarray(pos, pos + keepNow));
        mode.need -= take;
        pos += take;
        if (mode.need === 0) this.emit(onFrame, 'octet-counting', mode.truncated);
      } else if (mode.kind === 'line') {
        const lf = buf.indexOf(LF, pos);
        const end = lf < 0 ? buf.length : lf;
        const room = this.opts.maxFrameBytes - this.partsLength;
        if (end - pos > room) {
          this.hold(buf.subarray(pos, pos + room));
          this.emit(onFrame, 'newline', true);
          this.mode = { kind: 'discard-line' };
          pos += room;
          continue;
        }
        if (lf < 0) {
          this.hold(buf.subarray(pos));
          return;
        }
        this.hold(buf.subarray(pos, lf));
        pos = lf + 1;
        this.emit(onFrame, 'newline', false);
      } else {
        const lf = buf.indexOf(LF, pos);
        if (lf < 0) return;
        pos = lf + 1;
        this.mode = { kind: 'start' };
      }
    }
  }

  /** The stream ended: a partial frame is delivered as truncated. */
  end(onFrame: FrameHandler): void {
    if (this.partsLength > 0) this.emit(onFrame, this.mode.kind === 'octets' ? 'octet-counting' : 'newline', true);
    this.mode = { kind: 'start' };
  }

  private hold(part: Buffer): void {
    this.parts.push(part);
    this.partsLength += part.length;
  }

  private emit(onFrame: FrameHandler, framing: FrameInfo['framing'], truncated: boolean): void {
    let frame = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLength);
    this.parts = [];
    this.partsLength = 0;
    this.mode = { kind: 'start' };
    if (framing === 'newline' && frame.length > 0 && frame[frame.length - 1] === CR) frame = frame.subarray(0, -1);
    onFrame(frame, { framing, truncated });
  }
}

/** `digits SP` at `pos`: the count and where the message starts; null if not a count. */
function readCount(buf: Buffer, pos: number): { count: number; next: number } | null | 'incomplete' {
  let count = 0;
  let i = pos;
  for (; i < buf.length && i - pos <= MAX_COUNT_DIGITS; i++) {
    const c = buf[i]!;
    if (c === SP) return i > pos && count > 0 ? { count, next: i + 1 } : null;
    if (c < 48 || c > 57) return null;
    count = count * 10 + (c - 48);
  }
  return i - pos > MAX_COUNT_DIGITS ? null : 'incomplete';
}
