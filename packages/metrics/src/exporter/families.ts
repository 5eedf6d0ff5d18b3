/**
 * The metric families of prometheus/haproxy_exporter (v0.11 and later: counters typed
 * as counters, times in seconds), keyed by `show stat` column name. Names, help texts
 * and labels are kept as the exporter wrote them so existing dashboards keep working.
 */

export type Scope = 'frontend' | 'backend' | 'server';

export interface StatFamily {
  scope: Scope;
  /** Full metric name. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** `show stat` column the value comes from. */
  column: string;
  /** The `code` label of http_responses_total. */
  code?: string;
  /** How the raw field becomes a value: integer, milliseconds to seconds, or status to 0/1. */
  convert?: 'ms' | 'status';
}

type Def = [name: string, help: string, type: 'counter' | 'gauge', column: string, convert?: 'ms' | 'status'];

const responses = (scope: Scope): StatFamily[] =>
  (['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const).map((code) => ({
    scope,
    name: `haproxy_${scope}_http_responses_total`,
    help: 'Total of HTTP responses.',
    type: 'counter',
    column: `hrsp_${code}`,
    code,
  }));

const build = (scope: Scope, defs: Def[]): StatFamily[] =>
  defs.map(([name, help, type, column, convert]) => ({
    scope,
    name: `haproxy_${scope}_${name}`,
    help,
    type,
    column,
    ...(convert ? { convert } : {}),
  }));

const sessions = 'Current number of active sessions.';
const maxSessions = 'Maximum observed number of active sessions.';
const avg = (what: string) => `Avg. HTTP ${what} time for last 1024 successful connections.`;
const selected = 'Total number of times a server was selected, either for new sessions, or when re-dispatching.';

/** Sessions, bytes, errors and warnings: the same columns for backends and servers. */
const serverTraffic: Def[] = [
    ['current_sessions', sessions, 'gauge', 'scur'],
    ['max_sessions', maxSessions, 'gauge', 'smax'],
    ['limit_sessions', 'Configured session limit.', 'gauge', 'slim'],
    ['sessions_total', 'Total number of sessions.', 'counter', 'stot'],
    ['bytes_in_total', 'Current total of incoming bytes.', 'counter', 'bin'],
    ['bytes_out_total', 'Current total of outgoing bytes.', 'counter', 'bout'],
    ['connection_errors_total', 'Total of connection errors.', 'counter', 'econ'],
    ['response_errors_total', 'Total of response errors.', 'counter', 'eresp'],
    ['retry_warnings_total', 'Total of retry warnings.', 'counter', 'wretr'],
    ['redispatch_warnings_total', 'Total of redispatch warnings.', 'counter', 'wredis'],
];

/** HTTP compression: the same columns for frontends and backends. */
const compression: Def[] = [
    ['compressor_bytes_in_total', 'Number of HTTP response bytes fed to the compressor', 'counter', 'comp_in'],
    ['compressor_bytes_out_total', 'Number of HTTP response bytes emitted by the compressor', 'counter', 'comp_out'],
    ['compressor_bytes_bypassed_total', 'Number of bytes that bypassed the HTTP compressor', 'counter', 'comp_byp'],
    ['http_responses_compressed_total', 'Number of HTTP responses that were compressed', 'counter', 'comp_rsp'],
];

export const frontendFamilies: StatFamily[] = [
  ...build('frontend', [
    ['current_sessions', sessions, 'gauge', 'scur'],
    ['max_sessions', maxSessions, 'gauge', 'smax'],
    ['limit_sessions', 'Configured session limit.', 'gauge', 'slim'],
    ['sessions_total', 'Total number of sessions.', 'counter', 'stot'],
    ['bytes_in_total', 'Current total of incoming bytes.', 'counter', 'bin'],
    ['bytes_out_total', 'Current total of outgoing bytes.', 'counter', 'bout'],
    ['requests_denied_total', 'Total of requests denied for security.', 'counter', 'dreq'],
    ['request_errors_total', 'Total of request errors.', 'counter', 'ereq'],
    ['current_session_rate', 'Current number of sessions per second over last elapsed second.', 'gauge', 'rate'],
    ['limit_session_rate', 'Configured limit on new sessions per second.', 'gauge', 'rate_lim'],
    ['max_session_rate', 'Maximum observed number of sessions per second.', 'gauge', 'rate_max'],
    ['http_requests_total', 'Total HTTP requests.', 'counter', 'req_tot'],
    ...compression,
    ['connections_total', 'Total number of connections', 'counter', 'conn_tot'],
  ]),
  ...responses('frontend'),
];

export const backendFamilies: StatFamily[] = [
  ...build('backend', [
    ['current_queue', 'Current number of queued requests not assigned to any server.', 'gauge', 'qcur'],
    ['max_queue', 'Maximum observed number of queued requests not assigned to any server.', 'gauge', 'qmax'],
    ...serverTraffic,
    ['up', 'Current health status of the backend (1 = UP, 0 = DOWN).', 'gauge', 'status', 'status'],
    ['weight', 'Total weight of the servers in the backend.', 'gauge', 'weight'],
    ['current_server', 'Current number of active servers', 'gauge', 'act'],
    ['server_selected_total', selected, 'counter', 'lbtot'],
    ['current_session_rate', 'Current number of sessions per second over last elapsed second.', 'gauge', 'rate'],
    ['max_session_rate', 'Maximum number of sessions per second.', 'gauge', 'rate_max'],
    ['client_aborts_total', 'Total number of data transfers aborted by the client.', 'counter', 'cli_abrt'],
    ['server_aborts_total', 'Total number of data transfers aborted by the server.', 'counter', 'srv_abrt'],
    ...compression,
    ['http_queue_time_average_seconds', avg('queue'), 'gauge', 'qtime', 'ms'],
    ['http_connect_time_average_seconds', avg('connect'), 'gauge', 'ctime', 'ms'],
    ['http_response_time_average_seconds', avg('response'), 'gauge', 'rtime', 'ms'],
    ['http_total_time_average_seconds', avg('total'), 'gauge', 'ttime', 'ms'],
  ]),
  ...responses('backend'),
];

export const serverFamilies: StatFamily[] = [
  ...build('server', [
    ['current_queue', 'Current number of queued requests assigned to this server.', 'gauge', 'qcur'],
    ['max_queue', 'Maximum observed number of queued requests assigned to this server.', 'gauge', 'qmax'],
    ...serverTraffic,
    ['up', 'Current health status of the server (1 = UP, 0 = DOWN).', 'gauge', 'status', 'status'],
    ['weight', 'Current weight of the server.', 'gauge', 'weight'],
    ['check_failures_total', 'Total number of failed health checks.', 'counter', 'chkfail'],
    ['downtime_seconds_total', 'Total downtime in seconds.', 'counter', 'downtime'],
    ['server_selected_total', selected, 'counter', 'lbtot'],
    ['current_session_rate', 'Current number of sessions per second over last elapsed second.', 'gauge', 'rate'],
    ['max_session_rate', 'Maximum observed number of sessions per second.', 'gauge', 'rate_max'],
    ['check_duration_seconds', 'Previously run health check duration, in seconds', 'gauge', 'check_duration', 'ms'],
    ['client_aborts_total', 'Total number of data transfers aborted by the client.', 'counter', 'cli_abrt'],
    ['server_aborts_total', 'Total number of data transfers aborted by the server.', 'counter', 'srv_abrt'],
    ['http_queue_time_average_seconds', avg('queue'), 'gauge', 'qtime', 'ms'],
    ['http_connect_time_average_seconds', avg('connect'), 'gauge', 'ctime', 'ms'],
    ['http_response_time_average_seconds', avg('response'), 'gauge', 'rtime', 'ms'],
    ['http_total_time_average_seconds', avg('total'), 'gauge', 'ttime', 'ms'],
  ]),
  ...responses('server'),
];

/**
 * haproxy_exporter's reading of the status column: UP (also "UP 1/3" while rising),
 * OPEN, "no check" and DRAIN count as up; DOWN, NOLB, MAINT and anything else not.
 */
export function statusValue(status: string): number {
  return status.startsWith('UP') || status === 'OPEN' || status === 'no check' || status === 'DRAIN' ? 1 : 0;
}
