import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder, type FrameInfo } from './framing.js';

function decode(chunks: Array<string | Buffer>, maxFrameBytes = 1024): Array<[string, FrameInfo]> {
  const out: Array<[string, FrameInfo]> = [];
  const d = new SyslogFrameDecoder({ maxFrameBytes });
  const on = (f: Buffer, info: FrameInfo) => out.push([f.toString('latin1'), info]);
  for (const c of chunks) d.push(Buffer.isBuffer(c) ? c : Buffer.from(c, 'latin1'), on);
  d.end(on);
  return out;
}
const oc = { framing: 'octet-counting', truncated: false };
const nl = { framing: 'newline', truncated: false };

describe('SyslogFrameDecoder', () => {
  it.each<[string, Array<string | Buffer>, Array<[string, FrameInfo]>]>([
    ['octet frames back to back', ['5 <1>ab3 <2>'], [['<1>ab', oc], ['<2>', oc]] as never],
    ['newline frames with CRLF', ['<1>a\r\n<2>b\n'], [['<1>a', nl], ['<2>b', nl]] as never],
    ['mixed framing', ['3 <1>\n<2>b\n4 <3>c'], [['<1>', oc], ['<2>b', nl], ['<3>c', oc]] as never],
    ['count split across chunks', ['1', '8 <134>1 - - ', '- - - x'], [['<134>1 - - - - - x', oc]] as never],
    ['line split across chunks', ['<1>a', 'b', 'c\n'], [['<1>abc', nl]] as never],
    ['digits without a space are a line', ['123abc\n'], [['123abc', nl]] as never],
    ['partial frame at end of stream', ['10 <1>ab'], [['<1>ab', { framing: 'octet-counting', truncated: true }]] as never],
    ['unterminated line at end of stream', ['<1>ab'], [['<1>ab', { framing: 'newline', truncated: true }]] as never],
    ['separators between frames are skipped', ['\n\r\n3 <1>\n\n'], [['<1>', oc]] as never],
  ])('%s', (_name, chunks, expected) => {
    expect(decode(chunks)).toEqual(expected);
  });

  it('cuts an oversized octet frame and resumes after it', () => {
    const big = 'x'.repeat(100);
    expect(decode([`100 ${big.slice(0, 30)}`, `${big.slice(30)}3 <1>`], 10)).toEqual([
      ['x'.repeat(10), { framing: 'octet-counting', truncated: true }],
      ['<1>', oc],
    ]);
  });

  it('cuts an oversized line and resumes after its LF', () => {
    expect(decode(['<1>' + 'y'.repeat(50), 'y'.repeat(50) + '\n<2>ok\n'], 10)).toEqual([
      ['<1>' + 'y'.repeat(7), { framing: 'newline', truncated: true }],
      ['<2>ok', nl],
    ]);
  });

  it('holds no more than maxFrameBytes for a 1 MB line', () => {
    const d = new SyslogFrameDecoder({ maxFrameBytes: 4096 });
    const frames: number[] = [];
    for (let i = 0; i < 16; i++) {
      d.push(Buffer.alloc(65536, 0x41), (f) => frames.push(f.length));
      expect(d.bufferedBytes).toBeLessThanOrEqual(4096);
    }
    d.push(Buffer.from('\n<1>next\n'), (f) => frames.push(f.length));
    expect(frames).toEqual([4096, 7]);
  });

  it('handles every chunking of the same stream identically', () => {
    const stream = '12 <1>1 - - - - 5 <2>ab\n<3>c\r\n7 <4>\nxyz';
    const whole = decode([stream]);
    for (let cut = 1; cut < stream.length; cut++) {
      expect(decode([stream.slice(0, cut), stream.slice(cut)])).toEqual(whole);
    }
  });
});
