import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, symlink, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { ProcessPlan } from './pod-plan.js';
import type { PodRunner, RunnerContext, RunningContainer } from './runner.js';

/** One container of the pod, running as a local process in its own process group. */
class LocalContainer implements RunningContainer {
  private proc: ChildProcess | undefined;
  private log: WriteStream | undefined;
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly plan: ProcessPlan,
    private readonly logDir: string,
    private readonly echo: ((container: string, line: string) => void) | undefined,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    await mkdir(this.logDir, { recursive: true });
    this.log = createWriteStream(join(this.logDir, `${this.plan.container}.log`), { flags: 'a' });
    const [cmd, ...args] = this.plan.command;
    // The image's entrypoint runs `node`: locally that is this very Node binary.
    const bin = cmd === 'node' ? process.execPath : (cmd ?? '');
    // detached: its own process group, so stop() also reaches HAProxy and other children.
    const proc = spawn(bin, args, { cwd: this.plan.cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...this.plan.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('exit', (code) => r(code)));
    let pending = '';
    const onData = (d: Buffer) => {
      this.log?.write(d);
      if (!this.echo) return;
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.echo(this.plan.container, line);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
  }

  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves once the leader exited. */
  async stop(graceMs: number): Promise<void> {
    const proc = this.proc;
    if (!proc?.pid) return;
    const group = -proc.pid;
    const signal = (s: NodeJS.Signals) => {
      try {
        process.kill(group, s);
      } catch {
        /* already gone */
      }
    };
    if (proc.exitCode === null && proc.signalCode === null) signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Children that outlived their parent (none should) go with the group.
    signal('SIGKILL');
    await new Promise<void>((r) => (this.log ? this.log.end(() => r()) : r()));
  }
}

/**
 * Lays out the volumes: one local directory per pod volume, and in each container's
 * root view a symlink at every mountPath it declares, and nothing else.
 */
async function prepareVolumes(workDir: string, plans: readonly ProcessPlan[], hostPaths: Record<string, string> = {}): Promise<void> {
  for (const plan of plans) {
    await rm(plan.root, { recursive: true, force: true });
    for (const m of plan.mounts) {
      const target = hostPaths[m.volume] ?? join(workDir, 'volumes', m.volume);
      await mkdir(target, { recursive: true });
      await mkdir(dirname(m.local), { recursive: true });
      await symlink(relative(dirname(m.local), target), m.local);
    }
  }
}

/** The pod's containers as local processes (each in its own process group), volumes as symlinked directories. */
export class ProcessRunner implements PodRunner {
  readonly kind = 'processes';

  prepare(plans: readonly ProcessPlan[], ctx: RunnerContext): Promise<void> {
    return prepareVolumes(ctx.workDir, plans, ctx.hostPaths);
  }

  async start(plan: ProcessPlan, ctx: RunnerContext): Promise<RunningContainer> {
    const container = new LocalContainer(plan, ctx.logDir, ctx.echo);
    await container.start();
    return container;
  }
}
