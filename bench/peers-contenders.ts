/**
 * The four setups bench/peers.ts compares, each started fresh on the same Consul agent and
 * stopped after its turn: the static baseline, ours (renderer + haproxy-supervisor processes),
 * HAProxy's own Consul DNS integration, and the consul-template-style loop (bench/peers-loop.mjs).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { publishVersion } from '../packages/core/src/index.js';
import { deployedAs, deployedNode } from './deployed-node-options.js';
import { ComponentProcess, getText } from '../test/helpers/component.js';
import { ConsulDev, consulBin } from '../test/helpers/consul.js';
import { metricValue } from '../test/helpers/pipeline.js';
import { freePort } from '../test/helpers/ports.js';
import { dnsConfig, peersTemplate, staticConfig, type StaticService } from './peers-config.js';

export type ContenderName = 'static' | 'ours' | 'dns' | 'loop';

export interface Contender {
  name: ContenderName;
  /** HAProxy's HTTP frontend. */
  port: number;
  /** Processes besides HAProxy that keep the config current (none for static and DNS). */
  controlPlane(): Array<number | undefined>;
  /** HAProxy's master; its workers are its children. */
  haproxyMaster(): Promise<number | undefined>;
  /** Ours only: the components' own duration histograms, as {name: [count, sum seconds]}. */
  stages?(): Promise<Record<string, [number, number]>>;
  /** Ours only: ms from `since` (epoch ms) to each start-up milestone the components log. */
  startStages?(since: number): Record<string, number>;
  /** The control plane's recent output, for a failed turn. */
  output?(): string;
  stop(): Promise<void>;
}

export interface Setting {
  consulAddr: string;
  /** Consul's DNS interface, host:port. */
  dnsAddr: string;
  /** Scratch directory of this contender's turn. */
  dir: string;
  /** What Consul holds, for the static config and the DNS backends. */
  services: StaticService[];
  slots: number;
  resolveMs: number;
}

const ROOT = resolve(import.meta.dirname, '..');

/** `consul agent -dev` with its DNS interface on `dnsPort` and room for one connection per blocking query. */
export async function startConsulWithDns(dir: string, dnsPort: number): Promise<ConsulDev> {
  await mkdir(dir, { recursive: true });
  const wrapper = join(dir, 'consul');
  // Go flags: the last -dns-port wins over ConsulDev's -dns-port=-1.
  await writeFile(wrapper, `#!/bin/sh\nexec ${consulBin(ROOT)} "$@" -dns-port=${dnsPort} -hcl 'limits { http_max_conns_per_client = 4096 }'\n`);
  await chmod(wrapper, 0o755);
  return ConsulDev.start({ bin: wrapper });
}

/**
 * A master-worker HAProxy on a config file, in the foreground (the master is our child), in a
 * session of its own like every HAProxy here (the supervisor's, the loop's, a daemon's): with
 * kernel.sched_autogroup_enabled=1 a session is a scheduling group, and on a loaded machine the
 * same config served 0.45-0.6x the requests from its own session as from the load generator's.
 */
class Haproxy {
  private readonly proc: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(cfg: string) {
    this.proc = spawn('haproxy', ['-W', '-f', cfg], { stdio: 'ignore', detached: true });
    this.exited = new Promise((r) => this.proc.once('exit', () => r()));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    await this.exited;
  }
}

async function haproxyContender(name: 'static' | 'dns', s: Setting, text: (bind: string) => string): Promise<Contender> {
  const port = await freePort();
  await mkdir(s.dir, { recursive: true });
  const cfg = join(s.dir, 'haproxy.cfg');
  await writeFile(cfg, text(`127.0.0.1:${port}`));
  const haproxy = new Haproxy(cfg);
  return { name, port, controlPlane: () => [], haproxyMaster: async () => haproxy.pid, stop: () => haproxy.stop() };
}

export function startStatic(s: Setting): Promise<Contender> {
  return haproxyContender('static', s, (bind) => staticConfig(bind, s.services));
}

export function startDns(s: Setting): Promise<Contender> {
  return haproxyContender('dns', s, (bind) => dnsConfig({ bind, dns: s.dnsAddr, services: s.services.map((x) => x.name), slots: s.slots, resolveMs: s.resolveMs }));
}

/** Ours as deployed: the built renderer and haproxy-supervisor with their default tuning and the manifests' NODE_OPTIONS and node flags. */
export async function startOurs(s: Setting): Promise<Contender> {
  const shared = join(s.dir, 'shared');
  // Not a team file (50-*.cfg may hold backends only, the supervisor's default policy): it carries defaults and the frontend.
  await publishVersion({ root: join(shared, 'templates') }, [{ path: '40-all.cfg.hbs', data: Buffer.from(peersTemplate(true)) }]);
  const [port, rendererPort, supervisorPort] = [await freePort(), await freePort(), await freePort()];
  const common = { SHARED_DIR: shared, LOG_LEVEL: 'info' };
  // As deployed: the heap flags the manifests give each container (deploy/k8s/base ConfigMap).
  const deployed = await deployedNode();
  const flags = (container: string): Record<string, string> => deployedAs(deployed, container).env;
  const renderer = new ComponentProcess('renderer', {
    ...common,
    ...flags('renderer'),
    CONSUL_HTTP_ADDR: s.consulAddr,
    METRICS_ADDR: `127.0.0.1:${rendererPort}`,
    NODE_NAME: 'bench',
    NODE_IP: '127.0.0.1',
    TEMPLATE_ENV_ALLOW: 'HTTP_BIND',
    HTTP_BIND: `127.0.0.1:${port}`,
  }, deployedAs(deployed, 'renderer').args).start();
  const supervisor = new ComponentProcess('haproxy-supervisor', {
    ...common,
    ...flags('haproxy-supervisor'),
    METRICS_ADDR: `127.0.0.1:${supervisorPort}`,
    SYSLOG_TCP_ADDR: 'off',
    HAPROXY_HARD_STOP_AFTER: '5s',
  }, deployedAs(deployed, 'haproxy-supervisor').args).start();
  const metrics = async (p: number) => (await getText(`http://127.0.0.1:${p}/metrics`).catch(() => ({ body: '' }))).body;
  const pair = (body: string, name: string): [number, number] => [metricValue(body, `${name}_count`), metricValue(body, `${name}_sum`)];
  return {
    name: 'ours',
    port,
    controlPlane: () => [renderer.pid, supervisor.pid],
    haproxyMaster: async () => Number((await readFile(join(shared, 'run', 'haproxy.pid'), 'utf8').catch(() => '')).trim()) || undefined,
    async stages() {
      const [r, sup] = [await metrics(rendererPort), await metrics(supervisorPort)];
      return {
        render: pair(r, 'renderer_render_duration_seconds'),
        runtimeUpdate: pair(sup, 'haproxy_supervisor_runtime_update_duration_seconds'),
        reload: pair(sup, 'haproxy_supervisor_reload_duration_seconds'),
      };
    },
    output: () => `renderer:\n${renderer.output.slice(-3000)}\nsupervisor:\n${supervisor.output.slice(-3000)}`,
    startStages(since) {
      const at = (p: ComponentProcess, msg: string) => {
        const line = p.logs().find((l) => l.msg === msg);
        return typeof line?.time === 'string' ? Date.parse(line.time) - since : Number.NaN;
      };
      return {
        rendererUp: at(renderer, 'renderer starting'),
        supervisorUp: at(supervisor, 'watching rendered versions'),
        firstPublish: at(renderer, 'published rendered version'),
        haproxyStarted: at(supervisor, 'HAProxy started'),
      };
    },
    async stop() {
      await renderer.stop();
      // The supervisor owns HAProxy and stops it on SIGTERM.
      await supervisor.stop();
    },
  };
}

export async function startLoop(s: Setting): Promise<Contender> {
  const port = await freePort();
  await mkdir(s.dir, { recursive: true });
  const template = join(s.dir, 'haproxy.cfg.hbs');
  await writeFile(template, peersTemplate(false));
  const loop = spawn(process.execPath, [join(ROOT, 'bench', 'peers-loop.mjs')], {
    env: { PATH: process.env.PATH ?? '', CONSUL_HTTP_ADDR: s.consulAddr, TEMPLATE: template, OUT_DIR: s.dir, HTTP_BIND: `127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((r) => loop.once('exit', () => r()));
  return {
    name: 'loop',
    port,
    controlPlane: () => [loop.pid],
    haproxyMaster: async () => Number((await readFile(join(s.dir, 'haproxy.pid'), 'utf8').catch(() => '')).trim()) || undefined,
    async stop() {
      if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGTERM');
      await exited;
    },
  };
}

export const starters: Record<ContenderName, (s: Setting) => Promise<Contender>> = { static: startStatic, ours: startOurs, dns: startDns, loop: startLoop };
