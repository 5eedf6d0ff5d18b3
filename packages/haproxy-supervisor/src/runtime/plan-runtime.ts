import { bytes } from '@api-server/core';
import type { VersionFile } from '@api-server/core';
import { parseIpAddress, parseSections, sectionSource, toRuntimeServer, type RuntimeServer, type Section, type ServerLine, type ServerSettable } from '@api-server/haproxy';

/**
 * Parsed sections of the last few file lists seen: the candidate of one plan is the
 * live version of the next, and parsing 10,000 server lines is the plan's main cost.
 * Keyed by the file list's identity (versions are read once and kept immutable).
 */
const parsed = new WeakMap<readonly VersionFile[], Section[]>();

function sectionsOf(files: readonly VersionFile[]): Section[] {
  let sections = parsed.get(files);
  if (!sections) {
    sections = parseSections(files);
    parsed.set(files, sections);
  }
  return sections;
}

/** One server-level change the runtime API applies. */
export type ServerChange =
  | { op: 'add'; backend: string; server: string; target: RuntimeServer }
  | { op: 'remove'; backend: string; server: string; agent: boolean; /** What `add` must match to reuse it before it is deleted. */ fixed: string | null }
  | { op: 'update'; backend: string; server: string; set: Partial<ServerSettable> & { host?: string; port?: number } };

export type RuntimePlan = { runtime: true; changes: ServerChange[] } | { runtime: false; reason: string };

/** Not loaded by HAProxy; differs between versions of identical configuration. */
const IGNORED_FILES = new Set(['manifest.json']);

/**
 * Decides whether `candidate` can replace `live` through the runtime API alone: every
 * file but the config files byte-equal, every section equal once comments, layout and
 * the server lines of backends are set aside, and each server difference one the
 * runtime API reproduces exactly (see toRuntimeServer). Pure.
 */
export function planRuntime(live: readonly VersionFile[], candidate: readonly VersionFile[]): RuntimePlan {
  const fileDiff = otherFilesDiffer(live, candidate);
  if (fileDiff) return { runtime: false, reason: fileDiff };
  const a = sectionsOf(live);
  const b = sectionsOf(candidate);
  if (a.length !== b.length) return { runtime: false, reason: `sections differ (${a.length} live, ${b.length} new)` };
  // Sections parsed from the same text (all but the one a flip touched) are equal: skip comparing them.
  const same = a.map((x, i) => x.file === b[i]!.file && sectionSource(x) !== undefined && sectionSource(x) === sectionSource(b[i]!));
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (same[i]) continue;
    if (x.file !== y.file || x.kind !== y.kind || x.name !== y.name || x.body.join('\n') !== y.body.join('\n')) {
      return { runtime: false, reason: `${y.kind || 'top of file'} ${y.name} (${y.file}:${y.line}) changed beyond its server lines` };
    }
  }
  const changes: ServerChange[] = [];
  for (let i = 0; i < a.length; i++) {
    if (same[i] || sameServers(a[i]!.servers, b[i]!.servers)) continue;
    const result = diffBackend(a[i]!, b[i]!, defaultsFor(b, i), b);
    if (typeof result === 'string') return { runtime: false, reason: result };
    changes.push(...result);
  }
  return { runtime: true, changes };
}

function diffBackend(live: Section, next: Section, defaults: Section | null, all: readonly Section[]): ServerChange[] | string {
  const backend = backendName(next);
  const defaultArgs = [...defaultServerArgs(defaults), ...defaultServerArgs(next)];
  const before = byName(live.servers);
  const after = byName(next.servers);
  if (typeof before === 'string' || typeof after === 'string') return `backend ${backend}: ${typeof before === 'string' ? before : after}`;
  const dynamic = isDynamicLb(next, defaults);
  const changes: ServerChange[] = [];
  for (const [name, old] of before) {
    const now = after.get(name);
    if (now) {
      const update = diffServer(old, now, defaultArgs);
      if (typeof update === 'string') return `server ${backend}/${name} (${now.file}:${now.line}): ${update}`;
      if (update.weight !== undefined && !dynamic) return `server ${backend}/${name}: weight changed in a backend with a static balance algorithm`;
      if (Object.keys(update).length > 0) changes.push({ op: 'update', backend, server: name, set: update });
      continue;
    }
    if (isReferenced(backend, name, next, all)) return `server ${backend}/${name} is referenced (use-server or track) and cannot be deleted at runtime`;
    const form = toRuntimeServer(old.address, defaultArgs, old.args);
    changes.push({ op: 'remove', backend, server: name, agent: typeof form !== 'string' && form.agent, fixed: typeof form === 'string' ? null : form.fixed });
  }
  for (const [name, line] of after) {
    if (before.has(name)) continue;
    if (!dynamic) return `server ${backend}/${name} added to a backend with a static balance algorithm (dynamic servers need roundrobin, leastconn, first, random or consistent hashing)`;
    const target = toRuntimeServer(line.address, defaultArgs, line.args);
    if (typeof target === 'string') return `server ${backend}/${name} (${line.file}:${line.line}): ${target}`;
    changes.push({ op: 'add', backend, server: name, target });
  }
  return changes;
}

/** What changed on a server that stays, when only settable things changed. */
function diffServer(old: ServerLine, now: ServerLine, defaultArgs: readonly string[]): Partial<ServerSettable> | string {
  const a = settable([...defaultArgs, ...old.args]);
  const b = settable([...defaultArgs, ...now.args]);
  if (a.rest !== b.rest) return 'keywords other than address, weight and disabled changed';
  const out: Partial<ServerSettable> = {};
  if (old.address !== now.address) {
    const addr = parseIpAddress(now.address);
    if (!addr || !parseIpAddress(old.address)) return 'address change involves a name, not an IP literal';
    out.host = addr.host;
    out.port = addr.port;
  }
  if (a.weight !== b.weight) {
    if (!/^\d+$/.test(b.weight) || Number(b.weight) > 256) return `weight "${b.weight}" is not between 0 and 256`;
    out.weight = Number(b.weight);
  }
  if (a.disabled !== b.disabled) out.disabled = b.disabled;
  return out;
}

/** Splits tokens into what `set server` changes and the rest (compared as a string). */
function settable(tokens: readonly string[]): { weight: string; disabled: boolean; rest: string } {
  let weight = '1';
  let disabled = false;
  const rest: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === 'weight') weight = tokens[++i] ?? '';
    else if (t === 'disabled' || t === 'enabled') disabled = t === 'disabled';
    else rest.push(t);
  }
  return { weight, disabled, rest: rest.join(' ') };
}

/** Same lines in the same order: nothing to do for this section (the common case). */
function sameServers(x: readonly ServerLine[], y: readonly ServerLine[]): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) {
    const p = x[i]!;
    const q = y[i]!;
    if (p.name !== q.name || p.address !== q.address || p.args.join(' ') !== q.args.join(' ')) return false;
  }
  return true;
}

function byName(servers: readonly ServerLine[]): Map<string, ServerLine> | string {
  const map = new Map<string, ServerLine>();
  for (const s of servers) {
    if (map.has(s.name)) return `server name "${s.name}" appears twice`;
    map.set(s.name, s);
  }
  return map;
}

/** The defaults section a proxy uses: `from <name>`, else the last defaults section above it. */
function defaultsFor(sections: readonly Section[], index: number): Section | null {
  const from = / from (\S+)$/.exec(sections[index]!.name)?.[1];
  let last: Section | null = null;
  for (let i = 0; i < index; i++) {
    const s = sections[i]!;
    if (s.kind !== 'defaults') continue;
    if (from ? s.name.split(' ')[0] === from : true) last = s;
  }
  return last;
}

function defaultServerArgs(section: Section | null): string[] {
  return (section?.body ?? []).filter((l) => l.startsWith('default-server ')).flatMap((l) => l.split(' ').slice(1));
}

function backendName(section: Section): string {
  return section.name.split(' ')[0]!;
}

/** Dynamic servers need an algorithm that can take servers at runtime (2.6 management guide). */
function isDynamicLb(backend: Section, defaults: Section | null): boolean {
  const pick = (prefix: string) => [...(defaults?.body ?? []), ...backend.body].filter((l) => l.startsWith(prefix)).pop();
  const algo = pick('balance ')?.split(' ')[1] ?? 'roundrobin';
  if (['roundrobin', 'leastconn', 'first', 'random'].includes(algo)) return true;
  if (algo === 'static-rr') return false;
  return pick('hash-type ')?.split(' ')[1] === 'consistent';
}

/** A server named by `use-server` in its proxy or by `track` anywhere cannot be deleted. */
function isReferenced(backend: string, server: string, section: Section, all: readonly Section[]): boolean {
  if (section.body.some((l) => l.startsWith(`use-server ${server} `) || l === `use-server ${server}`)) return true;
  return all.some((s) => {
    const tracked = trackTargets(s);
    return tracked.has(`${backend}/${server}`) || tracked.has(server);
  });
}

/** What a section's server lines `track`, remembered per section text: a removal asks it of every section. */
const tracks = new WeakMap<object, ReadonlySet<string>>();

function trackTargets(section: Section): ReadonlySet<string> {
  const source = sectionSource(section);
  const known = source && tracks.get(source);
  if (known) return known;
  const found = new Set<string>();
  for (const sv of section.servers) sv.args.forEach((t, i) => sv.args[i - 1] === 'track' && found.add(t));
  if (source) tracks.set(source, found);
  return found;
}

/** A changed file HAProxy loads other than the top-level config files (maps, ACLs, error pages). */
function otherFilesDiffer(live: readonly VersionFile[], candidate: readonly VersionFile[]): string | null {
  const isConfig = (p: string) => !p.includes('/') && p.endsWith('.cfg');
  const pick = (files: readonly VersionFile[]) => new Map(files.filter((f) => !IGNORED_FILES.has(f.path) && !isConfig(f.path)).map((f) => [f.path, f.data]));
  const a = pick(live);
  const b = pick(candidate);
  for (const [path, data] of b) {
    const old = a.get(path);
    if (!old) return `${path} added`;
    if (!bytes(old).equals(bytes(data))) return `${path} changed`;
  }
  for (const path of a.keys()) if (!b.has(path)) return `${path} removed`;
  return null;
}
