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

/** A rendered file the supervisor holds at its last good output (state file `held`). */
interface HeldEntry {
  file: string;
  template?: string | null;
  since?: string;
  code?: string;
  reason?: string;
  line?: number | null;
  runs?: string;
}

/**
 * One line per held file under the table: which file (and template line), since when,
 * why, and what runs instead. Pure.
 */
export function heldLines(states: Map<string, StageState | Error>, now: Date): string[] {
  const out: string[] = [];
  for (const [component, state] of states) {
    if (state instanceof Error || !Array.isArray(state.held)) continue;
    for (const h of state.held as HeldEntry[]) {
      const where = `${h.template ?? h.file}${h.line ? `:${h.line}` : ''}`;
      const runs = h.runs === 'live' ? 'its last good output runs' : 'left out (never live)';
      out.push(`${component}: held ${where}${h.template ? ` (${h.file})` : ''} since ${age(h.since, now)}: ${h.code ?? 'HELD'}: ${(h.reason ?? '').split('\n')[0]}; ${runs}`);
    }
  }
  return out;
}

/** Exit code for scripts: 0 all ok, 1 something degraded or failing. */
export function overallExitCode(rows: StageRow[]): number {
  return rows.some((r) => r.status === 'degraded' || r.status === 'failing' || r.status === 'unreadable') ? 1 : 0;
}
