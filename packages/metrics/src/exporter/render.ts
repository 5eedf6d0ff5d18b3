import { escapeLabelValue, familyHeader, formatValue } from '../outputs/exposition.js';
import { backendFamilies, frontendFamilies, serverFamilies, statusValue, type StatFamily } from './families.js';
import { ProxyType, type StatTable } from './stat-csv.js';

/** What one scrape of the stats socket produced. */
export interface ScrapeResult {
  /** Null when HAProxy could not be asked (down, reloading, socket missing). */
  stat: StatTable | null;
  info: Map<string, string> | null;
}

export interface ExporterCounters {
  scrapes: number;
  csvParseFailures: number;
}

interface Bucket {
  family: StatFamily;
  lines: string[];
}

/**
 * Renders the haproxy_exporter families from one scrape. Pure: counters of the
 * exporter itself are passed in and parse failures found here are returned, so the
 * caller owns all state. A failed scrape yields `haproxy_up 0` and nothing from HAProxy.
 */
export function renderExporter(scrape: ScrapeResult, counters: ExporterCounters): RenderResult {
  const steps = renderSteps(scrape, counters);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same render, giving the event loop a turn every `rowsPerTurn` rows: a stats
 * table of thousands of servers must not stall the :3803 scrapes or /healthz.
 */
export async function renderExporterAsync(scrape: ScrapeResult, counters: ExporterCounters, rowsPerTurn = 200): Promise<RenderResult> {
  const steps = renderSteps(scrape, counters, rowsPerTurn);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export interface RenderResult {
  text: string;
  parseFailures: number;
}

/** The render as a generator that pauses (yields) every `rowsPerTurn` rows. */
function* renderSteps(scrape: ScrapeResult, counters: ExporterCounters, rowsPerTurn = Infinity): Generator<void, RenderResult> {
  let parseFailures = scrape.stat?.failures ?? 0;
  const order: Bucket[] = [];
  const byName = new Map<string, Bucket>();
  const bucketFor = (family: StatFamily): Bucket => {
    let bucket = byName.get(family.name);
    if (!bucket) {
      bucket = { family, lines: [] };
      byName.set(family.name, bucket);
      order.push(bucket);
    }
    return bucket;
  };

  const stat = scrape.stat;
  if (stat) {
    const col = (name: string) => stat.columns.get(name);
    const pxIdx = col('pxname') ?? 0;
    const svIdx = col('svname') ?? 1;
    const typeIdx = col('type') ?? 32;
    const plans = [frontendFamilies, backendFamilies, serverFamilies].map((families) =>
      families.map((family) => ({ family, index: col(family.column) })).filter((p) => p.index !== undefined),
    );
    let rowCount = 0;
    for (const row of stat.rows) {
      if (++rowCount % rowsPerTurn === 0) yield;
      const type = Number(row[typeIdx]);
      if (type !== ProxyType.frontend && type !== ProxyType.backend && type !== ProxyType.server) continue;
      // Label strings are built once per row, not per sample: 10,000 samples per scrape.
      const px = escapeLabelValue(row[pxIdx] ?? '');
      const sv = type === ProxyType.server ? escapeLabelValue(row[svIdx] ?? '') : '';
      const labels = (code?: string) => {
        const c = code === undefined ? '' : `code="${code}"`;
        if (type === ProxyType.frontend) return c ? `${c},frontend="${px}"` : `frontend="${px}"`;
        if (type === ProxyType.backend) return c ? `backend="${px}",${c}` : `backend="${px}"`;
        return c ? `backend="${px}",${c},server="${sv}"` : `backend="${px}",server="${sv}"`;
      };
      const plain = labels();
      for (const { family, index } of plans[type] ?? []) {
        const raw = row[index as number];
        if (raw === undefined || raw === '') continue;
        const value = convert(raw, family.convert);
        if (value === undefined) {
          parseFailures++;
          continue;
        }
        bucketFor(family).lines.push(`${family.name}{${family.code ? labels(family.code) : plain}} ${formatValue(value)}\n`);
      }
    }
  }

  let text = '';
  for (const { family, lines } of order) {
    text += familyHeader(family.name, family.help, family.type) + lines.join('');
  }
  text += familyHeader('haproxy_up', 'Was the last scrape of HAProxy successful.', 'gauge') + `haproxy_up ${stat ? 1 : 0}\n`;
  const info = stat ? scrape.info : null;
  if (info) {
    const version = info.get('Version');
    if (version !== undefined) {
      text +=
        familyHeader('haproxy_version_info', 'HAProxy version info.', 'gauge') +
        `haproxy_version_info{release_date="${escapeLabelValue(info.get('Release_date') ?? '')}",version="${escapeLabelValue(version)}"} 1\n`;
    }
    const idle = Number(info.get('Idle_pct'));
    if (info.has('Idle_pct') && Number.isFinite(idle)) {
      text +=
        familyHeader('haproxy_process_idle_time_percent', 'Time spent waiting for events instead of processing them.', 'gauge') +
        `haproxy_process_idle_time_percent ${idle}\n`;
    }
  }
  text +=
    familyHeader('haproxy_exporter_scrapes_total', 'Current total HAProxy scrapes.', 'counter') +
    `haproxy_exporter_scrapes_total ${counters.scrapes}\n` +
    familyHeader('haproxy_exporter_csv_parse_failures_total', 'Number of errors while parsing CSV.', 'counter') +
    `haproxy_exporter_csv_parse_failures_total ${counters.csvParseFailures + parseFailures}\n`;
  return { text, parseFailures };
}

function convert(raw: string, how: StatFamily['convert']): number | undefined {
  if (how === 'status') return statusValue(raw);
  const n = Number(raw);
  if (!Number.isFinite(n)) return undefined;
  return how === 'ms' ? n / 1000 : n;
}
