import { renderExporterAsync, type ScrapeResult } from './render.js';
import { parseInfo, parseStatCsv } from './stat-csv.js';
import { queryStatsSocket } from '../sources/stats-socket.js';

export interface HaproxyExporterOptions {
  socketPath: string;
  timeoutMs: number;
  /** Told about each failed scrape (HAProxy down or reloading); the scrape still answers. */
  onScrapeError?: (err: unknown) => void;
  onScrape?: (up: boolean) => void;
  /** Replaceable for tests. */
  query?: (socketPath: string, command: string, timeoutMs: number) => Promise<string>;
}

/**
 * The :9101 endpoint: asks HAProxy for `show info` and `show stat` on every scrape
 * and renders haproxy_exporter's families. Scrapes that arrive while one is running
 * share its answer, so a burst of scrapers never queues work on HAProxy's socket.
 */
export class HaproxyExporter {
  private scrapes = 0;
  private csvParseFailures = 0;
  private inflight: Promise<string> | undefined;
  /** Why the last scrape failed (the raw error), null after a good one. */
  lastError: unknown = null;

  constructor(private readonly opts: HaproxyExporterOptions) {}

  /** The exposition text for one scrape; never rejects (HAProxy down is `haproxy_up 0`). */
  collect(): Promise<string> {
    this.inflight ??= this.scrape().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async scrape(): Promise<string> {
    this.scrapes++;
    const query = this.opts.query ?? queryStatsSocket;
    const { socketPath, timeoutMs } = this.opts;
    const [info, stat] = await Promise.allSettled([
      query(socketPath, 'show info', timeoutMs).then(parseInfo),
      query(socketPath, 'show stat', timeoutMs).then(parseStatCsv),
    ]);
    const result: ScrapeResult = {
      stat: stat.status === 'fulfilled' ? stat.value : null,
      info: info.status === 'fulfilled' ? info.value : null,
    };
    if (stat.status === 'rejected') {
      this.lastError = stat.reason;
      this.opts.onScrapeError?.(stat.reason);
    } else {
      this.lastError = null;
    }
    const { text, parseFailures } = await renderExporterAsync(result, { scrapes: this.scrapes, csvParseFailures: this.csvParseFailures });
    this.csvParseFailures += parseFailures;
    this.opts.onScrape?.(result.stat !== null);
    return text;
  }
}
