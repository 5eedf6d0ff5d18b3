import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishVersion, swapCurrent, versionId } from '../../packages/core/src/versions.js';
import type { Backend } from '../helpers/backends.js';
import { ComponentProcess, getText } from '../helpers/component.js';
import { checkedState } from '../helpers/state.js';
import { freePorts, waitFor } from '../helpers/ports.js';

/**
 * One haproxy-supervisor under test: its own SHARED_DIR, free ports, rendered
 * versions published the way the renderer does (core publishVersion + manifest.json),
 * and a cleanup that kills every HAProxy started under this SHARED_DIR.
 */
export class SupervisorFixture {
  proc: ComponentProcess;
  /** Supervisor processes started so far (their output helps when a test fails). */
  private readonly procs: ComponentProcess[] = [];

  private constructor(
    readonly sharedDir: string,
    readonly ports: { metrics: number; http: number; syslogTcp: number },
  ) {
    this.proc = this.newProcess();
  }

  static async create(): Promise<SupervisorFixture> {
    const sharedDir = await mkdtemp(join(tmpdir(), 'supervisor-'));
    const [metrics, http, syslogTcp] = (await freePorts(3)) as [number, number, number];
    return new SupervisorFixture(sharedDir, { metrics, http, syslogTcp });
  }

  /** A fresh supervisor process on the same SHARED_DIR (for restarts). */
  newProcess(extraEnv: Record<string, string> = {}): ComponentProcess {
    this.proc = new ComponentProcess('haproxy-supervisor', {
      SHARED_DIR: this.sharedDir,
      METRICS_ADDR: `127.0.0.1:${this.ports.metrics}`,
      // Nobody listens there: the ring buffers and retries, HAProxy serves regardless.
      SYSLOG_TCP_ADDR: `127.0.0.1:${this.ports.syslogTcp}`,
      HAPROXY_HARD_STOP_AFTER: '5s',
      // Tests reload back to back on purpose; the burst test sets the real default.
      HAPROXY_MIN_RELOAD_INTERVAL: '0',
      ...extraEnv,
    });
    this.procs.push(this.proc);
    return this.proc;
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.metrics}`;
  }

  /** Publishes a rendered version: `files` path -> text; templates from `<path>.hbs` unless named. */
  async publishRendered(files: Record<string, string>, templates: Record<string, string | null> = {}): Promise<string> {
    const entries = Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text, 'utf8') }));
    const manifest = {
      templates: 'test',
      files: entries.map((f) => ({ path: f.path, template: f.path in templates ? templates[f.path] : `${f.path}.hbs` })),
      dependencies: [],
    };
    entries.push({ path: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2), 'utf8') });
    return (await publishVersion({ root: join(this.sharedDir, 'rendered') }, entries)).id;
  }

  /** An extra empty backend: a structural change, so the version takes a reload. */
  static spare(tag: string | number): string {
    return `\nbackend spare-${tag}\n`;
  }

  /**
   * Writes a rendered version without making it current (no fsync: a test that
   * needs hundreds of versions within a second stages them, then swaps with `swapRendered`).
   */
  async stageRendered(files: Record<string, string>): Promise<string> {
    const entries = Object.entries(files).map(([path, text]) => ({ path, data: Buffer.from(text, 'utf8') }));
    const id = versionId(entries);
    const dir = join(this.sharedDir, 'rendered', 'releases', id);
    await mkdir(dir, { recursive: true });
    for (const f of entries) await writeFile(join(dir, f.path), f.data);
    return id;
  }

  /** Points `rendered/current` at a staged version (one rename, as the renderer does). */
  swapRendered(id: string): Promise<void> {
    return swapCurrent(join(this.sharedDir, 'rendered'), join('releases', id));
  }

  /** A plain HTTP config routing everything on `ports.http` to `backends`. */
  webConfig(backends: Backend[], extra = ''): string {
    return `defaults
  mode http
  log global
  option httplog
  option idle-close-on-response
  timeout connect 2s
  timeout client 10s
  timeout server 10s
  load-server-state-from-file global

frontend web
  bind 127.0.0.1:${this.ports.http}
  default_backend app

backend app
  balance roundrobin
${backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}`).join('\n')}
${extra}`;
  }

  async state(): Promise<Record<string, any>> {
    return checkedState(await readFile(join(this.sharedDir, 'state', 'haproxy-supervisor.json'), 'utf8'));
  }

  async liveId(): Promise<string | null> {
    return readlink(join(this.sharedDir, 'live', 'current')).then(
      (t) => t.split('/').pop() ?? null,
      () => null,
    );
  }

  masterPid(): number | null {
    try {
      return Number(readFileSync(join(this.sharedDir, 'run', 'haproxy.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }

  /** Every HAProxy process (master and workers) started for this SHARED_DIR. */
  haproxyPids(): number[] {
    const pids: number[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        const status = readFileSync(`/proc/${name}/status`, 'utf8');
        if (/State:\s+Z/.test(status)) continue;
        // `haproxy -c` runs are the supervisor's checks, not servers.
        if (cmd[0]?.endsWith('haproxy') && !cmd.includes('-c') && cmd.some((a) => a.startsWith(this.sharedDir))) pids.push(Number(name));
      } catch {
        // Gone meanwhile.
      }
    }
    return pids;
  }

  /** HAProxy processes whose parent is not one of ours: masters (there must never be two). */
  haproxyMasters(): number[] {
    const pids = this.haproxyPids();
    return pids.filter((pid) => {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)\s+\S+\s+/, '').split(' ')[0]);
        return !pids.includes(ppid);
      } catch {
        return false;
      }
    });
  }

  async waitReady(timeoutMs = 20_000): Promise<void> {
    await waitFor(async () => (await getText(`${this.url}/readyz`)).status === 200, { timeoutMs, what: `supervisor ready; output:\n${this.proc.output.slice(-3000)}` });
  }

  /** Waits until the state file satisfies `ok`. */
  async waitState(ok: (s: Record<string, any>) => boolean, what: string, timeoutMs = 20_000): Promise<Record<string, any>> {
    return waitFor(
      async () => {
        const s = await this.state();
        return ok(s) ? s : undefined;
      },
      { timeoutMs, intervalMs: 50, what: `${what}; output:\n${this.proc.output.slice(-3000)}` },
    );
  }

  async metrics(): Promise<string> {
    return (await getText(`${this.url}/metrics`)).body;
  }

  /** Stops the supervisor, then kills anything HAProxy left behind (pid file first, then by SHARED_DIR). */
  async cleanup(): Promise<void> {
    await this.proc.stop('SIGTERM', 20_000);
    // SUPERVISOR_TEST_OUTPUT=<file>: keep every supervisor's log lines for debugging.
    if (process.env.SUPERVISOR_TEST_OUTPUT) await writeFile(process.env.SUPERVISOR_TEST_OUTPUT, this.procs.map((p) => p.output).join('\n---\n'));
    const pid = this.masterPid();
    if (pid) killQuietly(pid);
    for (const p of this.haproxyPids()) killQuietly(p);
    await rm(this.sharedDir, { recursive: true, force: true });
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
