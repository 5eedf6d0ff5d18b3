import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from './ports.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A component started as the contract says: `node packages/<pkg>/dist/main.js` with env. */
export class ComponentProcess {
  output = '';
  private proc: ChildProcess | undefined;
  exitCode: number | null = null;

  constructor(
    readonly pkg: string,
    readonly env: Record<string, string>,
    /** Flags for node before the script (a manifest's command gives some: bench/deployed-node-options.ts). */
    readonly nodeArgs: readonly string[] = [],
  ) {}

  start(): this {
    this.exitCode = null;
    // COMPONENT_NODE_ARGS: flags Node refuses in NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile a bench),
    // for every component or, with COMPONENT_NODE_ARGS_ONLY=<pkg>, for that one (a profiler slows what it watches).
    const only = process.env.COMPONENT_NODE_ARGS_ONLY;
    const extra = !only || only === this.pkg ? (process.env.COMPONENT_NODE_ARGS?.split(' ').filter(Boolean) ?? []) : [];
    const nodeArgs = [...this.nodeArgs, ...extra];
    this.proc = spawn(process.execPath, [...nodeArgs, resolve(REPO_ROOT, 'packages', this.pkg, 'dist/main.js')], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'debug', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // COMPONENT_OUTPUT_DIR: also keep each process's output in <dir>/<pkg>-<pid>.log (e.g. with --trace-gc).
    const outputDir = process.env.COMPONENT_OUTPUT_DIR;
    const keep = (d: Buffer): void => {
      this.output += d.toString();
      if (outputDir) appendFileSync(resolve(outputDir, `${this.pkg}-${this.proc?.pid ?? 0}.log`), d);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
    this.proc.on('exit', (code) => (this.exitCode = code ?? -1));
    return this;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>> {
    return this.output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<number | null> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  async waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    return waitFor(() => this.logs().find(predicate), { timeoutMs, what: `${this.pkg} log line; output so far:\n${this.output.slice(-3000)}` });
  }
}

/** Fetches a text body from a metrics/health address. */
export async function getText(url: string): Promise<{ status: number; body: string }> {
  // fetch says only "fetch failed": the cause (refused, reset, closed) goes into the message a wait's timeout shows.
  const res = await fetch(url).catch((err: Error) => {
    const cause = err.cause as { code?: string; message?: string } | undefined;
    throw new Error(`${url}: ${err.message}${cause ? ` (${cause.code ?? ''}${cause.code && cause.message ? ': ' : ''}${cause.message ?? ''})` : ''}`, { cause: err });
  });
  return { status: res.status, body: await res.text() };
}
