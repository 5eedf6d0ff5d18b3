import { isUtf8 } from 'node:buffer';
import { bytes, type VersionFile } from '@api-server/core';
import { configFiles, hasConditionals, parseConfigText, SECTION_KINDS, type ConfigLine, type Section, type ServerLine } from './sections.js';

/**
 * Sections of version files, parsed once per section text. A health flip changes one
 * server line of a 1,000-backend file: a whole-file parse costs 45 ms there (2 ms at
 * 200 x 5) and is the supervisor's biggest CPU cost per change, so each file is cut
 * at its section headers and only the sections whose text changed are parsed; the
 * others reuse their parse, moved to their new line numbers. The result is exactly
 * {@link parseConfigText}'s (sections.test.ts and parsed-files.test.ts compare them).
 * Callers must not mutate it.
 */

/** Splits the configuration files HAProxy loads (`*.cfg` at the top of the version, in lexical order, as `-f <dir>` reads them) into sections. */
export function parseSections(files: readonly VersionFile[]): Section[] {
  return configFiles(files).flatMap((file) => fileSections(file));
}

/** The sections of one version file: remembered for its bytes (immutable), parsed per section text. */
export function fileSections(file: VersionFile): Section[] {
  const hit = parsedFiles.get(file.data);
  if (hit?.path === file.path) return hit.sections;
  const sections = chunkedParse(file.path, bytes(file.data));
  parsedFiles.set(file.data, { path: file.path, sections });
  return sections;
}

/** The parse a placed section came from: equal chunks mean equal section text (line numbers aside). */
export function sectionSource(section: Section): object | undefined {
  return sourceOf.get(section);
}

const parsedFiles = new WeakMap<Uint8Array, { path: string; sections: Section[] }>();

/** One run of lines from a section header to the next, parsed with line numbers relative to its start. */
interface Chunk {
  /**
   * Its text, copied: the map key. Keying by the slice of the file looked up with would
   * keep that whole file text alive as long as the entry (a slice references its parent
   * string): one version's text per change, 0.7 MB a flip at 1,000 x 10, until the
   * generation turned over some 19,000 changes later.
   */
  text: string;
  relative: Section[];
  /** Line breaks in the chunk's text: where the next chunk starts. */
  newlines: number;
  /** Its length in UTF-8 bytes: where the next chunk starts in the file's bytes. */
  bytes: number;
  /** It has an `.if` line: a file is conditional when one of its chunks is (see recut). */
  conditional: boolean;
  /**
   * Its last few placements in one file, by first line: an unmoved section is returned
   * as the same objects, and so is one moved back to where it was (a server that flaps
   * moves every section after it down a line and back up).
   */
  placed: { file: string; at: Map<number, Section[]> } | null;
}

/**
 * Chunks by text, in two generations: a lookup promotes an entry to the young one;
 * when the young one is full the old one is dropped. Two versions of a 1,000 x 10
 * catalog need ~2,000 entries.
 */
const GENERATION = 20_000;
/** [plain files, files with `.if` blocks]: the same text parses differently in each. */
let young: [Map<string, Chunk>, Map<string, Chunk>] = [new Map(), new Map()];
let old: [Map<string, Chunk>, Map<string, Chunk>] = [new Map(), new Map()];
const sourceOf = new WeakMap<Section, Chunk>();

/**
 * Where a line opens a section: after a newline, its first word (past leading
 * whitespace) is a section keyword, as parseConfigText decides. Anchored on `\n`, not
 * `^` with the `m` flag, which would also start a line after U+2028 or a lone CR
 * (parseConfigText splits on `\n` only). One scan of the text in the regex engine.
 */
const HEADER = new RegExp(`\n[^\\S\n]*(?:${[...SECTION_KINDS].join('|')})(?=\\s|$)`, 'g');

/** A chunk where it sits in one version of a file: its bytes are `data.subarray(start, end)`, its first line `line` (0-based). */
interface Run {
  chunk: Chunk;
  start: number;
  end: number;
  line: number;
  sections: Section[];
}

/**
 * The last version of each file path as runs. The next version of a path differs from it
 * in one place for most changes: the runs before and after that place are the same
 * chunks (those after it moved by the lines the change added or removed), so only the
 * text between them is cut and looked up. At 1,000 x 10 cutting, hashing and looking up
 * all 1,000 sections per change was ~5 ms of the supervisor's CPU.
 *
 * Kept and compared as bytes, and only the changed middle is decoded: decoding a whole
 * 600 KB version into a string (V8's large-object space, a full GC's work to free) and
 * scanning it for `.if` cost ~2.5 ms of a 1,000 x 10 change, GC included.
 */
const lastRuns = new Map<string, { data: Buffer; runs: readonly Run[] }>();

function chunkedParse(file: string, data: Buffer): Section[] {
  // Byte offsets follow the decoded chunks' lengths only for valid UTF-8: a file with a
  // bad sequence (decoded as U+FFFD) is parsed whole, every time.
  const utf8 = isUtf8(data);
  const before = utf8 ? lastRuns.get(file) : undefined;
  const runs = (before && recut(file, before.data, before.runs, data)) ?? whole(file, data);
  if (young[0].size + young[1].size > GENERATION) {
    old = young;
    young = [new Map(), new Map()];
  }
  const out: Section[] = [];
  for (const run of runs) for (const section of run.sections) out.push(section);
  if (utf8) lastRuns.set(file, { data, runs });
  else lastRuns.delete(file);
  return out;
}

/** Every run of a file, decoded whole. */
function whole(file: string, data: Buffer): readonly Run[] {
  const text = data.toString('utf8');
  // `.if` blocks change what a server line means anywhere in the file (parseConfigText).
  return cut(file, hasConditionals(text), text, 0, 0);
}

/**
 * The runs of `text`, a whole run sequence or the changed middle of a file (it starts at a
 * section start and ends at one or at the file's end), the first at byte `at` and line
 * `line` of the file.
 */
function cut(file: string, conditional: boolean, text: string, at: number, line: number): Run[] {
  const runs: Run[] = [];
  let start = 0;
  const flush = (end: number) => {
    if (end <= start) return;
    const c = chunk(conditional, text.slice(start, end));
    runs.push({ chunk: c, start: at, end: at + c.bytes, line, sections: place(c, file, line) });
    line += c.newlines;
    at += c.bytes;
    start = end;
  };
  // A header match starts at the newline before it; the text's own start is a run's start.
  HEADER.lastIndex = 0;
  for (let m = HEADER.exec(text); m; m = HEADER.exec(text)) flush(m.index + 1);
  flush(text.length);
  return runs;
}

/**
 * The runs of `data`, the next version of `prev` (whose runs are `runs`): runs wholly in
 * the common prefix and suffix are kept, the bytes between are decoded and cut again. A
 * run's bounds are headers, and a header is decided by its newline, its line's leading
 * blanks, the keyword and the character after it. So a prefix run is kept only when the
 * next run also ends before the first difference (its header is then unchanged, even a
 * keyword at the very end of the old text, which a longer new text may extend), and a
 * suffix run only when the newline before it lies in the unchanged tail. Kept runs start
 * and end at a newline, so the cut never splits a UTF-8 sequence.
 *
 * `.if` blocks change how a whole file parses, so each chunk notes whether it has an
 * `.if` line: a version has one when one of its runs does (such a line, `^\s*\.if`,
 * cannot begin in one run and end in the next: every run but the file's first starts at
 * a header line), the new one when a kept run or the middle does. Undefined (parse it
 * whole) when that changes.
 */
function recut(file: string, prev: Buffer, runs: readonly Run[], data: Buffer): readonly Run[] | undefined {
  const prefix = commonPrefix(prev, data);
  if (prefix === prev.length && prefix === data.length) return runs;
  const suffix = commonSuffix(prev, data, prefix);
  // Prefix: the runs that end before the first difference, less the last of them.
  let head = 0;
  while (head < runs.length && runs[head]!.end < prefix) head++;
  head = Math.max(0, head - 1);
  // Suffix: runs whose start and the newline before it lie in the unchanged tail.
  const tailFrom = prev.length - suffix;
  let tail = runs.length;
  while (tail > head && runs[tail - 1]!.start - 1 >= tailFrom) tail--;
  const shift = data.length - prev.length;
  const from = head < runs.length ? runs[head]!.start : prev.length;
  const to = tail < runs.length ? runs[tail]!.start + shift : data.length;
  const middleText = data.toString('utf8', from, to);
  const conditional = runs.some((r) => r.chunk.conditional);
  if ((hasConditionals(middleText) || (conditional && keptConditional(runs, head, tail))) !== conditional) return undefined;
  const fromLine = head < runs.length ? runs[head]!.line : 0;
  const middle = cut(file, conditional, middleText, from, fromLine);
  let line = fromLine;
  for (const r of middle) line += r.chunk.newlines;
  const moved = tail < runs.length ? line - runs[tail]!.line : 0;
  // Literals, not spreads of `r`: an object spread was 2 ms a change at 1,000 x 10.
  const after = runs.slice(tail).map((r): Run => ({ chunk: r.chunk, start: r.start + shift, end: r.end + shift, line: r.line + moved, sections: moved === 0 ? r.sections : place(r.chunk, file, r.line + moved) }));
  return [...runs.slice(0, head), ...middle, ...after];
}

/** Whether a run before `head` or from `tail` on has an `.if` line. */
function keptConditional(runs: readonly Run[], head: number, tail: number): boolean {
  for (let i = 0; i < head; i++) if (runs[i]!.chunk.conditional) return true;
  for (let i = tail; i < runs.length; i++) if (runs[i]!.chunk.conditional) return true;
  return false;
}

/** Length of the longest common prefix (binary search over native byte comparisons). */
function commonPrefix(a: Buffer, b: Buffer): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (a.compare(b, lo, mid, lo, mid) === 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Length of the longest common suffix not overlapping a common prefix of `prefix`. */
function commonSuffix(a: Buffer, b: Buffer, prefix: number): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length) - prefix;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (a.compare(b, b.length - mid, b.length - lo, a.length - mid, a.length - lo) === 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function chunk(conditional: boolean, text: string): Chunk {
  // Looked up by the slice itself (no `flag + text` concatenation: a new string to hash
  // per section), stored under the chunk's own copy.
  const index = conditional ? 1 : 0;
  let hit = young[index].get(text);
  if (!hit) {
    hit = old[index].get(text);
    if (hit) old[index].delete(text);
    else {
      // A copy: parsed words and lines slice it, not the file.
      const own = Buffer.from(text, 'utf8').toString('utf8');
      hit = { text: own, relative: parseConfigText('', own, conditional), newlines: own.split('\n').length - 1, bytes: Buffer.byteLength(own, 'utf8'), conditional: hasConditionals(own), placed: null };
    }
    young[index].set(hit.text, hit);
  }
  return hit;
}

/** Placements remembered per chunk. */
const PLACEMENTS = 4;

function place(c: Chunk, file: string, offset: number): Section[] {
  if (c.placed?.file !== file) c.placed = { file, at: new Map() };
  const at = c.placed.at;
  let sections = at.get(offset);
  if (sections) return sections;
  sections = shift(c.relative, file, offset);
  for (const s of sections) sourceOf.set(s, c);
  at.set(offset, sections);
  if (at.size > PLACEMENTS) at.delete(at.keys().next().value!);
  return sections;
}

/**
 * Sections moved by `offset` lines into `file`; words, body and args are shared (never
 * mutated). Their `lines` and `servers` are made on first read: a change moves every
 * section after it, and most of them are never read again (the policy and the runtime
 * plan know them by their source), so copying 10,000 lines per change was garbage.
 * (Getters of a plain object literal, not a class with prototype getters: a section must
 * stay a plain object that spreads, clones and compares like a whole-file parse's; and
 * not `Object.defineProperty` per section, a runtime call that cost 1 ms a change at
 * 1,000 x 10.)
 */
function shift(sections: readonly Section[], file: string, offset: number): Section[] {
  return sections.map((s) => placed(s, file, offset));
}

function placed(s: Section, file: string, offset: number): Section {
  let lines: ConfigLine[] | undefined;
  let servers: ServerLine[] | undefined;
  return {
    file,
    line: s.line + offset,
    column: s.column,
    kind: s.kind,
    name: s.name,
    text: s.text,
    get lines() {
      return (lines ??= s.lines.map((l) => ({ ...l, line: l.line + offset })));
    },
    body: s.body,
    get servers() {
      return (servers ??= s.servers.map((v) => ({ ...v, file, line: v.line + offset })));
    },
  };
}
