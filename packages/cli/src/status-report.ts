import type { RendererStateFile, StageState, SupervisorStateFile } from '@api-server/core';

/** The pipeline's stages in the order data flows through them. */
const PIPELINE = ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics'] as const;

export interface StageRow {
  component: string;
  status: string;
  current: string;
  lastSuccess: string;
  lastError: string;
}

/** "12s ago", "3m ago", "2h ago", "never". */
export function age(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const seconds = Math.max(0, Math.round((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

/** One row per stage, missing stages shown as such so a gap in the pipeline is visible. */
export function statusRows(states: Map<string, StageState | Error>, now: Date): StageRow[] {
  const names = [...PIPELINE, ...[...states.keys()].filter((n) => !(PIPELINE as readonly string[]).includes(n)).sort()];
  return names.map((component) => {
    const state = states.get(component);
    if (state === undefined) return { component, status: 'absent', current: '-', lastSuccess: '-', lastError: 'no state file' };
    if (state instanceof Error) return { component, status: 'unreadable', current: '-', lastSuccess: '-', lastError: state.message };
    const err = state.lastError;
    const where = err?.context ? Object.entries(err.context).filter(([, v]) => v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join(' ') : '';
    return {
      component,
      status: state.status,
      current: state.current ?? '-',
      lastSuccess: age(state.lastSuccessAt, now),
      lastError: err ? `${age(err.at, now)}: ${err.code ? `${err.code}: ` : ''}${err.message.split('\n')[0]}${where ? ` (${where})` : ''}` : '-',
    };
  });
}

/** Plain aligned columns, readable in `kubectl exec` without colour support. */
export function formatTable(rows: StageRow[]): string {
  const header: StageRow = { component: 'STAGE', status: 'STATUS', current: 'CURRENT', lastSuccess: 'LAST SUCCESS', lastError: 'LAST ERROR' };
  const cols = ['component', 'status', 'current', 'lastSuccess', 'lastError'] as const;
  const widths = cols.map((c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  return [header, ...rows]
    .map((r) => cols.map((c, i) => (i === cols.length - 1 ? r[c] : r[c].padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** Exit code for scripts: 0 all ok, 1 something degraded or failing. */
export function overallExitCode(rows: StageRow[]): number {
  return rows.some((r) => r.status === 'degraded' || r.status === 'failing' || r.status === 'unreadable') ? 1 : 0;
}

/**
 * One held file of a stage's state (`held[]`), as core's state schemas define it: the
 * renderer's (template fails) or the supervisor's (policy or haproxy -c; `runs` says
 * whether its last good output runs). `readStates` has checked the file against them.
 */
type HeldEntry = NonNullable<RendererStateFile['held']>[number] | NonNullable<SupervisorStateFile['held']>[number];

/** Stages that hold files, and what holding means there. */
const HOLDERS: ReadonlyArray<[string, string]> = [
  ['renderer', 'renderer: their template fails; the last good output is published, or none if it never rendered'],
  ['haproxy-supervisor', 'haproxy-supervisor: they break policy.yaml or haproxy -c; the last good output runs, or none if never live'],
];

/**
 * The held files of the renderer and the supervisor under the table, one line each
 * (file, template and line, code, age, reason), or nothing when none is held. Reasons
 * come from templates and HAProxy's output: control characters are blanked so a
 * template cannot write escape sequences to the operator's terminal.
 */
export function heldReport(states: Map<string, StageState | Error>, now: Date): string {
  const text = (v: unknown) => String(v ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const blocks: string[] = [];
  for (const [component, meaning] of HOLDERS) {
    const state = states.get(component);
    if (!state || state instanceof Error || !Array.isArray(state['held']) || state['held'].length === 0) continue;
    const lines = (state['held'] as HeldEntry[]).map((h) => {
      const template = h.template ?? h.file;
      const where = typeof h.line === 'number' ? `${text(template)}:${h.line}` : text(template);
      const runs = !('runs' in h) ? '' : h.runs === 'live' ? '  (last good output runs)' : '  (left out)';
      return `  ${text(h.file)}  from ${where}  ${text(h.code)}  since ${age(h.since, now)}: ${text(h.reason)}${runs}`;
    });
    blocks.push([`HELD FILES (${meaning})`, ...lines].join('\n'));
  }
  return blocks.join('\n');
}

/** A stage's `lastChange` (core `changeBreakdown`): ms after the renderer first saw the change. */
interface LastChange {
  query?: unknown;
  index?: unknown;
  seenAt?: unknown;
  changes?: unknown;
  method?: unknown;
  ms?: unknown;
}

/** What each mark ends, in pipeline order. */
const MARKS: ReadonlyArray<[string, string]> = [
  ['passStart', 'wait'],
  ['rendered', 'render'],
  ['published', 'publish'],
  ['supervisorSaw', 'to supervisor'],
  ['applied', 'apply'],
];

/**
 * Where the last change's time went: the supervisor's `lastChange` (Consul change seen
 * by the renderer -> HAProxy runs it), or the renderer's when the supervisor has none.
 * One line per stage that reports, each step as the time since the previous mark.
 */
export function changeReport(states: Map<string, StageState | Error>, now: Date): string {
  const text = (v: unknown) => String(v ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, 200);
  const lines: string[] = [];
  for (const component of ['renderer', 'haproxy-supervisor']) {
    const state = states.get(component);
    const last = state && !(state instanceof Error) ? (state['lastChange'] as LastChange | undefined) : undefined;
    if (!last || typeof last.ms !== 'object' || last.ms === null) continue;
    const ms = last.ms as Record<string, unknown>;
    let previous = 0;
    const steps: string[] = [];
    for (const [mark, name] of MARKS) {
      const at = ms[mark];
      if (typeof at !== 'number') continue;
      steps.push(`${name}${mark === 'applied' && typeof last.method === 'string' ? ` (${text(last.method)})` : ''} ${at - previous} ms`);
      previous = at;
    }
    const more = typeof last.changes === 'number' && last.changes > 1 ? ` +${last.changes - 1} more` : '';
    lines.push(`  ${component}: ${text(last.query)} index ${text(last.index)}${more}, seen ${age(typeof last.seenAt === 'string' ? last.seenAt : null, now)}: ${steps.join(', ')}; total ${previous} ms`);
  }
  return lines.length > 0 ? ['LAST CHANGE (ms from the renderer seeing the Consul change)', ...lines].join('\n') : '';
}
