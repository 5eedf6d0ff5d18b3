import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One GET over a given keep-alive agent, with an absolute timeout and an AbortSignal
 * (an abort rejects with an `AbortError`). Plain node:http: the renderer needs the
 * response headers (index, last contact, cache) and query parameters (`cached`) that
 * a generic Consul client library hides or lacks.
 */
export function httpGet(
  url: URL,
  opts: {
    agent: http.Agent;
    headers: Record<string, string>;
    signal: AbortSignal;
    timeoutMs: number;
    /** True: the body is read off the socket (keep-alive needs that) but not kept; `text` is ''. */
    discardBody?: (status: number, headers: http.IncomingHttpHeaders) => boolean;
  },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const get = url.protocol === 'https:' ? https.request : http.request;
    const req = get(url, { method: 'GET', agent: opts.agent, headers: opts.headers, signal: opts.signal }, (res) => {
      const status = res.statusCode ?? 0;
      const discard = opts.discardBody?.(status, res.headers) ?? false;
      let text = '';
      if (!discard) res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (!discard) text += c;
      });
      res.on('error', (err) => settle(() => reject(err)));
      res.on('end', () => settle(() => resolve({ status, headers: res.headers, text })));
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error(`request timed out after ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })), opts.timeoutMs);
    req.on('error', (err) => settle(() => reject(err)));
    req.end();
  });
}
