import type { StageState } from '@api-server/core';

/** The pipeline's stages in the order data flows through them. */
export const PIPELINE = ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics'] as const;

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

/** One held file of the renderer's state (`held[]`): its template failed, its last good output is published. */
interface HeldEntry {
  file?: unknown;
  template?: unknown;
  since?: unknown;
  code?: unknown;
  reason?: unknown;
  line?: unknown;
}

/**
 * The renderer's held files under the table, one line each, or nothing when none is held.
 * The reason comes from a template error: control characters are blanked so a template
 * cannot write escape sequences to the operator's terminal.
 */
export function heldReport(states: Map<string, StageState | Error>, now: Date): string {
  const renderer = states.get('renderer');
  if (!renderer || renderer instanceof Error || !Array.isArray(renderer['held']) || renderer['held'].length === 0) return '';
  const text = (v: unknown) => String(v ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  const lines = (renderer['held'] as HeldEntry[]).map((h) => {
    const where = typeof h.line === 'number' ? `${text(h.template)}:${h.line}` : text(h.template);
    return `  ${text(h.file)}  from ${where}  ${text(h.code)}  since ${age(typeof h.since === 'string' ? h.since : null, now)}: ${text(h.reason)}`;
  });
  return [`HELD FILES (renderer: their template fails; the last good output is published, or none if it never rendered)`, ...lines].join('\n');
}
