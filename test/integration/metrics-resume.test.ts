import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentProcess, getText } from '../helpers/component.js';
import { startLogShipper, type ShipperUnderTest } from '../helpers/log-shipper.js';
import { metricValue } from '../helpers/pipeline.js';
import { freePorts, waitFor } from '../helpers/ports.js';
import { HaproxyLogSource, readAllLogLines } from '../helpers/syslog.js';

// Issue 10.2: metrics must resume exactly after being away across several rotations,
// stopped gracefully (SIGTERM) or killed (SIGKILL). The real chain: HAProxy's ring ->
// log-shipper (rotating and gzipping at 48 KiB) -> LOG_DIR -> metrics :3803.

const ROTATE_BYTES = 48 * 1024;
const WHILE_STOPPED = 1000;

/** Requests HAProxy logged, in every file (live, `.N`, `.N.gz`). */
async function loggedRequests(logDir: string): Promise<number> {
  return (await readAllLogLines(logDir)).lines.filter((l) => l.includes(' "GET /')).length;
}

// retry: 2 stays until full runs confirm the fix (the readiness probe's line awaited in beforeAll).
describe('metrics resumes exactly across rotations that happened while it was stopped', { retry: 2 }, () => {
  let dir: string;
  let logDir: string;
  let shipper: ShipperUnderTest;
  let haproxy: HaproxyLogSource;
  let metrics: ComponentProcess | undefined;
  let ports: { logs: number; exporter: number; own: number };
  /** Requests counted by metrics processes that have since stopped (a new process counts from 0). */
  let countedByEarlierRuns = 0;

  /**
   * Ports taken right before each start: ports picked at the start of the file stayed
   * unbound through the shipper's and HAProxy's start and traffic, and now and then one was
   * in use by then (a full run's timeout, :3803 never answering).
   */
  const startMetrics = async () => {
    const [logs, exporter, own] = (await freePorts(3)) as [number, number, number];
    ports = { logs, exporter, own };
    metrics = new ComponentProcess('metrics', {
      SHARED_DIR: join(dir, 'shared'),
      LOG_DIR: logDir,
      LOG_METRICS_ADDR: `127.0.0.1:${ports.logs}`,
      HAPROXY_METRICS_ADDR: `127.0.0.1:${ports.exporter}`,
      METRICS_ADDR: `127.0.0.1:${ports.own}`,
      LOG_METRICS_POLL_MS: '50',
      LOG_LEVEL: 'info',
    }).start();
  };
  const counted = async () => metricValue((await getText(`http://127.0.0.1:${ports.logs}/metrics`)).body, 'haproxy_http_requests_total') || 0;
  const rotations = async () => (await shipper.metric('log_shipper_file_rotations_total')) || 0;
  /** Sends `n` requests and waits until the shipper wrote all `expected` request lines. */
  const send = async (prefix: string, n: number, expected: number) => {
    await haproxy.load(prefix, n, 4);
    let seen = 0;
    // The count seen and the shipper's own figures go into the timeout's message: this wait timed out now and then in full runs.
    await waitFor(async () => (seen = await loggedRequests(logDir)) === expected, { what: `${expected} requests logged`, timeoutMs: 20_000 }).catch(async (err: Error) => {
      const figures = await Promise.all(['log_shipper_received_lines_total', 'log_shipper_file_written_lines_total', 'log_shipper_haproxy_dropped_messages_total', 'log_shipper_tcp_connections'].map(async (m) => `${m}=${await shipper.metric(m).catch(() => NaN)}`));
      throw new Error(`${err.message}; saw ${seen}; ${figures.join(' ')}`);
    });
  };
  /** Waits until the running metrics counted every logged line and saved a position at the end of the live file. */
  const caughtUp = async (logged: number) => {
    const expected = logged - countedByEarlierRuns;
    let got: number | undefined;
    await waitFor(async () => (got = await counted()) === expected, { what: `${expected} requests on :3803`, timeoutMs: 20_000 }).catch((err: Error) => {
      // What metrics counted last, and what the process said if it is not answering at all.
      throw new Error(`${err.message}; last counted ${got}; metrics ${metrics?.running ? `running (pid ${metrics.pid})` : `exited ${metrics?.exitCode}`}; output: ${metrics?.output.slice(-1500)}`);
    });
    await waitFor(
      async () => {
        const saved = JSON.parse(await readFile(join(dir, 'shared/state/metrics-position.json'), 'utf8')) as { inode: number; offset: number };
        const live = await stat(join(logDir, 'haproxy.log'));
        return saved.inode === live.ino && saved.offset === live.size;
      },
      { what: 'position saved at the end of the live file' },
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'metrics-resume-'));
    shipper = await startLogShipper(dir, { LOG_ROTATE_MAX_BYTES: String(ROTATE_BYTES), LOG_ROTATE_KEEP: '1000', LOG_ROTATE_GZIP_LEVEL: '1' });
    logDir = shipper.logDir;
    haproxy = await HaproxyLogSource.start({ syslogTcpPort: shipper.ports.tcp });
    // The log source's readiness probe (one `GET /ready` that answered) is a logged request
    // too: wait until the shipper has written it, or the first test reads the count before
    // it lands and expects one request less than metrics then counts (the first attempts
    // of full runs timed out on exactly that, "waiting for 0 requests", while metrics had 1).
    await waitFor(async () => (await loggedRequests(logDir)) >= 1, { what: "the log source's readiness probe in the log file" });
  });

  afterAll(async () => {
    await metrics?.stop();
    await haproxy?.stop();
    await shipper?.proc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([['SIGTERM'], ['SIGKILL']] as const)('%s, then 3+ rotations while stopped: :3803 counts every logged request exactly once', async (signal) => {
    const prefix = signal.toLowerCase();
    let logged = await loggedRequests(logDir);
    if (!metrics?.running) await startMetrics();
    await caughtUp(logged);

    await send(`${prefix}-a`, 200, (logged += 200));
    await caughtUp(logged);
    const countedBeforeStop = await counted();
    expect(countedBeforeStop + countedByEarlierRuns).toBe(logged);

    expect(await metrics!.stop(signal)).toBe(signal === 'SIGTERM' ? 0 : null);
    countedByEarlierRuns += countedBeforeStop;
    // At least 1,000 requests and 3 rotations while stopped (under load a rotation waits
    // for the previous gzip, so the count of rotations per byte varies).
    const rotationsBefore = await rotations();
    for (let sent = 0; sent < WHILE_STOPPED || (await rotations()) - rotationsBefore < 3; sent += 250) {
      if (sent >= 4 * WHILE_STOPPED) break;
      await send(`${prefix}-b`, 250, (logged += 250));
    }
    expect((await rotations()) - rotationsBefore).toBeGreaterThanOrEqual(3);

    await startMetrics();
    await send(`${prefix}-c`, 300, (logged += 300));
    // The restarted process counts from 0: exactly what was logged since the stop.
    const expectedAfter = logged - countedByEarlierRuns;
    await waitFor(async () => (await counted()) >= expectedAfter, { what: `${expectedAfter} requests after the restart`, timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives: no line counted twice
    expect(await counted()).toBe(expectedAfter);
    const own = (await getText(`http://127.0.0.1:${ports.own}/metrics`)).body;
    expect(metricValue(own, 'metrics_log_tail_events_total', { event: 'position_lost' })).toBeNaN();
    expect(metricValue(own, 'metrics_log_tail_events_total', { event: 'rotated' })).toBeGreaterThanOrEqual(3);
    expect(metrics!.logs().find((l) => l.type === 'opened' && l.resumed === true)).toMatchObject({ file: expect.stringMatching(/haproxy\.log\.\d+(\.gz)?$/) });
  });
});
