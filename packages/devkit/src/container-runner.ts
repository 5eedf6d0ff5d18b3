import { execFile } from 'node:child_process';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { ContainerRun, HostDir } from './container-plan.js';

const run = promisify(execFile);
/** Debian's client (the classic builder, no buildx); scripts/docker-engine.sh installs it. */
export const DOCKER = '/usr/bin/docker';

/** One `docker` command; its stdout, trimmed. Throws with stderr on failure. */
export async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  try {
    const { stdout } = await run(DOCKER, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`docker ${args.slice(0, 3).join(' ')} ...: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * The pod of a container plan on the real engine: prepares the host directories,
 * starts the pause container then every container, and stops them the way a kubelet
 * does (SIGTERM to all at once, then wait). Everything it started is removed by
 * `remove()`, also after a failed start.
 */
export class ContainerPod {
  constructor(
    readonly pause: ContainerRun,
    readonly containers: ContainerRun[],
    private readonly hostDirs: HostDir[],
  ) {}

  get names(): string[] {
    return this.containers.map((c) => c.name);
  }

  async start(): Promise<void> {
    await this.remove();
    for (const d of this.hostDirs) {
      await mkdir(d.path, { recursive: true });
      await chown(d.path, d.uid, d.gid);
      await chmod(d.path, d.mode);
    }
    await docker(['run', ...this.pause.args]);
    for (const c of this.containers) await docker(['run', ...c.args]);
  }

  /** The 127.0.0.1 host port the pause container publishes for a container port. */
  async hostPort(containerPort: number): Promise<number> {
    const out = await docker(['port', this.pause.name, `${containerPort}/tcp`]);
    const m = /127\.0\.0\.1:(\d+)/.exec(out);
    if (!m) throw new Error(`port ${containerPort} is not published: ${out}`);
    return Number(m[1]);
  }

  /** `docker inspect` of one container of the pod (by container name, or 'pause'). */
  async inspect(container: string): Promise<ContainerInspect> {
    const name = container === 'pause' ? this.pause.name : `${this.pause.name.replace(/-pause$/, '')}-${container}`;
    return (JSON.parse(await docker(['inspect', name])) as ContainerInspect[])[0]!;
  }

  async logs(container: string): Promise<string> {
    const name = `${this.pause.name.replace(/-pause$/, '')}-${container}`;
    const { stdout, stderr } = await run(DOCKER, ['logs', '--tail', '200', name], { maxBuffer: 16 * 1024 * 1024 }).catch(() => ({ stdout: '', stderr: '' }));
    return stdout + stderr;
  }

  /** SIGTERM to every container at once (as the kubelet does); resolves with each exit code once all exited. */
  async terminate(timeoutMs: number): Promise<Record<string, number>> {
    await docker(['kill', '--signal', 'TERM', ...this.names]);
    const codes = (await docker(['wait', ...this.names], timeoutMs)).split('\n').map(Number);
    return Object.fromEntries(this.containers.map((c, i) => [c.container, codes[i]!]));
  }

  /** Removes every container of the pod, running or not. */
  async remove(): Promise<void> {
    const names = [...this.names, this.pause.name];
    const existing = await docker(['ps', '-aq', ...names.flatMap((n) => ['--filter', `name=^/${n}$`])]).catch(() => '');
    if (existing) await docker(['rm', '-f', '-v', ...existing.split('\n')]);
  }
}

/** The parts of `docker inspect` the pod's checks read. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  State: { Running: boolean };
  Config: { User: string };
  HostConfig: { ReadonlyRootfs: boolean; Init: boolean; CapDrop: string[] | null; CapAdd: string[] | null; SecurityOpt: string[] | null; Memory: number; NanoCpus: number; PidsLimit: number; NetworkMode: string };
  Mounts: Array<{ Destination: string; RW: boolean }>;
}
