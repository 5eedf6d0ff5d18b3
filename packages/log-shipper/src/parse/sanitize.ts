import { bytes } from '@api-server/core';

/**
 * The one text form of a received syslog message, shared by the log file, the sinks
 * and the metrics sidecar (docs/architecture.md, LOG_DIR contract): UTF-8 with every
 * invalid sequence replaced by U+FFFD (what `Buffer#toString('utf8')` does), and any
 * CR or LF inside replaced by a space so that one message is exactly one line.
 */
export function messageText(frame: Uint8Array): string {
  const buf = bytes(frame);
  const text = buf.toString('utf8');
  // The common case has neither byte: scanning the Buffer is cheaper than a regex.
  if (buf.indexOf(10) === -1 && buf.indexOf(13) === -1) return text;
  return text.replace(/[\r\n]/g, ' ');
}

/**
 * Drops the terminator a sender put after the message (HAProxy ends UDP datagrams
 * with LF; some octet-counting senders count a trailing LF or NUL too): it is framing,
 * not content. Bytes inside the message are left alone.
 */
export function trimTerminator(frame: Buffer): Buffer {
  let end = frame.length;
  while (end > 0) {
    const c = frame[end - 1];
    if (c !== 10 && c !== 13 && c !== 0) break;
    end--;
  }
  return end === frame.length ? frame : frame.subarray(0, end);
}
