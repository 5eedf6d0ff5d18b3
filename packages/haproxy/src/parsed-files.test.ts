import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { fileSections, sectionSource } from './parsed-files.js';
import { parseConfigText } from './sections.js';

const file = (text: string, path = '20-x.cfg') => ({ path, data: Buffer.from(text, 'utf8') });

/** A config of `n` backends; `skip` leaves one server line out (a health flip), `extra` adds text after backend 0. */
function config(n: number, opts: { skip?: [number, number]; extra?: string; head?: string } = {}): string {
  let t = opts.head ?? 'defaults\n  mode http\n\nfrontend f\n  bind :80 # a comment\n  http-request set-header X "a  b"\n';
  for (let b = 0; b < n; b++) {
    t += `backend b${b}\n  balance roundrobin\n`;
    for (let s = 0; s < 3; s++) if (opts.skip?.[0] !== b || opts.skip[1] !== s) t += `  server s${s} 10.0.${b}.${s}:80 check\n`;
    if (b === 0 && opts.extra) t += opts.extra;
  }
  return t;
}

describe('fileSections', () => {
  it.each([
    ['plain', config(5)],
    ['a flip in the middle', config(5, { skip: [2, 1] })],
    ['lines before any header and CRLF', 'maxconn 10\r\n' + config(3).replace(/\n/g, '\r\n')],
    ['a commented header and a keyword glued to a comment', config(3, { extra: '# backend not-a-header\nbackend#x\n' })],
    ['tab-indented header, header with no name', config(2, { extra: '\tlisten  l1\n  server a 10.1.0.1:80\nbackend\n' })],
    ['conditional blocks anywhere in the file', config(3, { extra: '.if defined(X)\n  server c 10.2.0.1:80\n.endif\n' })],
    ['unicode whitespace inside a line', config(2, { extra: '  acl a\u2028backend x\n\u00a0backend y\n' })],
    ['no trailing newline', config(2).trimEnd()],
    ['empty', ''],
  ])('%s: equal to a whole-file parse', (_name, text) => {
    expect(fileSections(file(text))).toEqual(parseConfigText('20-x.cfg', text));
  });

  it('stays equal to a whole-file parse through a series of flips, adds and removals', () => {
    const texts = [config(20), config(20, { skip: [7, 1] }), config(20), config(20, { skip: [0, 0] }), config(21), config(19, { skip: [18, 2] }), config(20, { extra: '  server new 10.9.9.9:80\n' })];
    for (const text of [...texts, ...texts.reverse()]) expect(fileSections(file(text))).toEqual(parseConfigText('20-x.cfg', text));
    // Same text under another name: the names and lines follow the file.
    expect(fileSections(file(config(4), '30-y.cfg'))).toEqual(parseConfigText('30-y.cfg', config(4)));
  });

  it('stays equal through flips away from an .if block, and when the block goes or comes back', () => {
    // A flip in backend b5 is cut again alone: its server lines must still parse as the
    // file's `.if` in backend b0 says (they stay in the body), not as a plain file's.
    const cond = '.if defined(X)\n  server c 10.2.0.1:80\n.endif\n';
    for (const text of [config(8, { extra: cond }), config(8, { extra: cond, skip: [5, 1] }), config(8, { extra: cond }), config(8, { skip: [5, 1] }), config(8, { extra: cond, skip: [5, 1] })]) {
      expect(fileSections(file(text, 'cond.cfg'))).toEqual(parseConfigText('cond.cfg', text));
    }
  });

  it('stays equal when a header at the very end stops being one (the next version extends its keyword)', () => {
    for (const text of [config(3) + 'backend', config(3) + 'backendx', config(3) + 'backend', config(3) + 'backend b']) {
      expect(fileSections(file(text, 'end.cfg'))).toEqual(parseConfigText('end.cfg', text));
    }
  });

  it('stays equal to a whole-file parse through 400 random edits of one file (headers made and unmade, ends, CRLF, .if)', () => {
    // A small seeded generator: a failure names its step and is the same on every run.
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    // Multi-byte characters too: versions are compared as bytes, and runs kept by byte offset.
    const pieces = ['backend', 'listen', 'frontend', ' ', '\t', '\n', '\r\n', 'x', '#', '  server a 10.0.0.1:80\n', 'backend b9\n', '.if defined(A)\n', '.endif\n', 'defaults\n', '\u2028', 'é', '😀', '\u00a0'];
    let text = config(8);
    for (let step = 0; step < 400; step++) {
      const at = random(text.length + 1);
      const op = random(3);
      if (op === 0) text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + random(12));
      else text = random(2) ? text + pieces[random(pieces.length)] : text.slice(0, Math.max(0, text.length - random(10)));
      // What the bytes decode to: an edit may split a surrogate pair, which UTF-8 cannot carry.
      expect(fileSections(file(text, 'fuzz.cfg')), `step ${step}`).toEqual(parseConfigText('fuzz.cfg', Buffer.from(text, 'utf8').toString('utf8')));
    }
  });

  it('stays equal to a whole-file parse of the decoded text when the bytes are not valid UTF-8', () => {
    const text = config(6, { extra: '  # caf\u00e9\n' });
    const bad = (at: number) => {
      const data = Buffer.from(text, 'utf8');
      return Buffer.concat([data.subarray(0, at), Buffer.from([0xff, 0xc3]), data.subarray(at)]);
    };
    // A bad sequence decodes to U+FFFD (3 bytes): offsets taken from the decoded text would
    // put every later section a few bytes off, and a change at the very start of one (its
    // header broken) would then look like the unchanged tail.
    const broken = Buffer.from(text.replace('backend b2', 'bXckend b2'), 'utf8');
    const brokenBad = Buffer.concat([broken.subarray(0, text.indexOf('backend b1') + 20), Buffer.from([0xff, 0xc3]), broken.subarray(text.indexOf('backend b1') + 20)]);
    for (const data of [Buffer.from(text), bad(text.indexOf('backend b3') + 20), bad(text.indexOf('backend b4') + 20), Buffer.from(config(6, { skip: [2, 1], extra: '  # caf\u00e9\n' })), bad(text.indexOf('backend b1') + 20), brokenBad]) {
      expect(fileSections({ path: 'bad.cfg', data })).toEqual(parseConfigText('bad.cfg', data.toString('utf8')));
    }
  });

  it('returns the same section objects for an unmoved section and one source for equal text', () => {
    const before = fileSections(file(config(10)));
    const after = fileSections(file(config(10, { skip: [5, 0] })));
    expect(after[3]).toBe(before[3]); // backend b1: above the change, not moved
    expect(after[8]).not.toBe(before[8]); // backend b6: moved up one line
    expect(after[8]!.line).toBe(before[8]!.line - 1);
    expect(sectionSource(after[8]!)).toBe(sectionSource(before[8]!));
    expect(sectionSource(after[7]!)).not.toBe(sectionSource(before[7]!)); // b5 itself changed
  });

  it('keeps no version text alive: 30 flips of a 600 KB file hold what one does', () => {
    // A full GC on demand (vitest's workers run without --expose-gc).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Versions of a 600 KB file, one backend changed each time; made and parsed in a
    // function's own frame (a stale register of this one would keep a text alive).
    const head = `global\n  # ${'x'.repeat(600_000)}\n  maxconn 100\n`;
    const flips = (from: number, to: number): void => {
      for (let i = from; i < to; i++) fileSections(file(config(40, { head, skip: [i % 40, 1] }), 'leak.cfg'));
    };
    flips(0, 1);
    gc();
    const before = process.memoryUsage().heapUsed;
    flips(1, 30);
    gc();
    // Retaining each version's text (a slice as a map key keeps its parent string) was +16 MB here.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(4 * 1024 * 1024);
  });
});
