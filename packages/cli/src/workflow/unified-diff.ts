/**
 * Line diff (Myers' O(ND) algorithm) and the unified format `git diff` prints, for
 * `apictl diff`. Pure; no dependency, since the inputs are small config files.
 */
export type Edit = { op: ' ' | '-' | '+'; text: string };

export function diffLines(a: readonly string[], b: readonly string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // Walk the trace back from (n, m) to (0, 0).
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ op: ' ', text: a[--x]! }), y--;
    if (d === 0) break;
    if (x === prevX) edits.push({ op: '+', text: b[--y]! });
    else edits.push({ op: '-', text: a[--x]! });
  }
  while (x > 0 && y > 0) edits.push({ op: ' ', text: a[--x]! }), y--;
  return edits.reverse();
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * One file's unified diff (`--- a/x`, `+++ b/x`, `@@` hunks with `context` lines
 * around each change); empty when equal. `null` content means the file is absent.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  if (before === after) return '';
  const a = splitLines(before ?? '');
  const b = splitLines(after ?? '');
  const edits = diffLines(a, b);
  const out = [`--- ${before === null ? '/dev/null' : `a/${path}`}`, `+++ ${after === null ? '/dev/null' : `b/${path}`}`];
  // Positions of changes, grouped into hunks whose contexts touch.
  const changed = edits.map((e, i) => (e.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    let start = Math.max(0, changed[i]! - context);
    let end = Math.min(edits.length, changed[i]! + context + 1);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end) end = Math.min(edits.length, changed[++i]! + context + 1);
    i++;
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) {
      if (edits[j]!.op !== '+') aLine++;
      if (edits[j]!.op !== '-') bLine++;
    }
    const hunk = edits.slice(start, end);
    const aCount = hunk.filter((e) => e.op !== '+').length;
    const bCount = hunk.filter((e) => e.op !== '-').length;
    out.push(`@@ -${aCount === 0 ? aLine - 1 : aLine},${aCount} +${bCount === 0 ? bLine - 1 : bLine},${bCount} @@`);
    for (const e of hunk) out.push(`${e.op}${e.text}`);
    start = end;
  }
  return `${out.join('\n')}\n`;
}

/** Diffs two trees (path -> text), files in path order; added and removed files included. */
export function diffTrees(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, context = 3): { diff: string; changed: string[] } {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const parts: string[] = [];
  const changed: string[] = [];
  for (const p of paths) {
    const d = unifiedDiff(p, before.get(p) ?? null, after.get(p) ?? null, context);
    if (d) {
      parts.push(d);
      changed.push(p);
    }
  }
  return { diff: parts.join(''), changed };
}
