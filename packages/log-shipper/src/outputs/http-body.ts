import type { SinkItem } from './sink.js';

export type HttpBodyFormat = 'ndjson' | 'elasticsearch' | 'loki';

const ES_ACTION = '{"create":{}}\n';

/**
 * The request body and content type for one batch. `ndjson`: one record per line,
 * for any collector (Vector, Fluent Bit http input, Logstash). `elasticsearch`: the
 * `_bulk` API (an action line before each record; point SINK_HTTP_URL at
 * `.../<index>/_bulk`). `loki`: Loki's push API JSON (`/loki/api/v1/push`), one stream,
 * each record a log line with its receive time.
 */
export function encodeBatch(items: readonly SinkItem[], format: HttpBodyFormat): { body: string; contentType: string } {
  if (format === 'loki') {
    const values = items.map((i) => [`${i.timeMs}000000`, i.json]);
    return {
      body: JSON.stringify({ streams: [{ stream: { job: 'haproxy', source: 'log-shipper' }, values }] }),
      contentType: 'application/json',
    };
  }
  const prefix = format === 'elasticsearch' ? ES_ACTION : '';
  let body = '';
  for (const i of items) body += `${prefix}${i.json}\n`;
  return { body, contentType: 'application/x-ndjson' };
}

/**
 * Whether a failed request is worth sending again: network errors, 408, 429 and 5xx
 * are; any other 4xx means this batch will never be accepted (counted as rejected).
 */
export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}
