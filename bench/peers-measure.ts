/**
 * Measuring tools for bench/peers.ts: process CPU and memory from /proc, a wrk run, and the
 * convergence probe of one health flip. Each reads the world; none changes it except the
 * flip itself.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { requestVia } from '../test/helpers/pipeline.js';

const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/** CPU a process used so far, ms: its own, and that of the children it has waited for (`haproxy -c`). */
export async function cpuMs(pid: number | undefined): Promise<{ self: number; children: number }> {
  const stat = pid ? await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '') : '';
  if (!stat) return { self: 0, children: 0 };
  // Fields after the command name (which may hold spaces): state is field 3, utime 14 .. cstime 17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { self: (f[11]! + f[12]!) * TICK_MS, children: (f[13]! + f[14]!) * TICK_MS };
}

/** Sum of self + waited-children CPU over several processes, ms. */
export async function totalCpuMs(pids: Array<number | undefined>): Promise<number> {
  let sum = 0;
  for (const pid of pids) {
    const c = await cpuMs(pid);
    sum += c.self + c.children;
  }
  return sum;
}

/** Current (VmRSS) and peak (VmHWM) resident memory, MB; 0 when the process is gone. */
export async function memMb(pid: number | undefined): Promise<{ rss: number; peak: number }> {
  const status = pid ? await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '') : '';
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** Direct children of a process (HAProxy's workers under its master). */
export async function childPids(pid: number | undefined): Promise<number[]> {
  if (!pid) return [];
  const out: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(name));
  }
  return out;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  errors: number;
}

/** A closed-loop load: `connections` keep-alive connections for `seconds`, one wrk thread. */
export function wrk(port: number, host: string, seconds: number, connections: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-H', `Host: ${host}`, `http://127.0.0.1:${port}/`], { timeout: (seconds + 30) * 1000 }, (err, stdout) => {
      if (err) return reject(new Error(`wrk: ${err.message}\n${stdout}`));
      resolve(parseWrk(stdout));
    });
  });
}

/** wrk's summary: `N requests in 8.00s`, `Non-2xx or 3xx responses: N`, `Socket errors: connect A, read B, write C, timeout D`. */
export function parseWrk(out: string): WrkResult {
  const m = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  if (!m) throw new Error(`wrk: no summary in ${out}`);
  const seconds = Number(m[2]) * (m[3] === 'ms' ? 0.001 : m[3] === 'm' ? 60 : 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const requests = Number(m[1]);
  return { requests, seconds, rps: requests / seconds, errors: non2xx + socketErrors };
}

/** Consecutive answers from the other instance that count as "no longer receiving" (2 instances, roundrobin: chance ~2^-16). */
const OUT_STREAK = 16;

/**
 * Time from `change()` (a Consul health flip of instance `id`) until HAProxy on `port`
 * routes (passing) or no longer routes (failing) `host` requests to it, by fresh-connection
 * probes. "Routed": the send time of the first probe `id` answers. "No longer routed": the
 * send time of the first of OUT_STREAK consecutive probes answered by someone else.
 * Null when it did not happen within `timeoutMs`.
 */
export async function flipLatency(port: number, host: string, id: string, passing: boolean, change: () => Promise<void>, timeoutMs = 15_000): Promise<number | null> {
  const t0 = performance.now();
  await change();
  let streakStart: number | undefined;
  let streak = 0;
  while (performance.now() - t0 < timeoutMs) {
    const at = performance.now();
    const body = await requestVia(port, host).then((r) => (r.status === 200 ? r.body : `status ${r.status}`), () => 'error');
    if (passing) {
      if (body === id) return at - t0;
      continue;
    }
    if (body !== id && !body.startsWith('status') && body !== 'error') {
      streakStart ??= at;
      if (++streak >= OUT_STREAK) return streakStart - t0;
    } else {
      streakStart = undefined;
      streak = 0;
      if (body === 'error') await new Promise((r) => setTimeout(r, 5));
    }
  }
  return null;
}
