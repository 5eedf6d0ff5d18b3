import { join } from 'node:path';
import { devkitError } from './error-codes.js';
import { podTemplate, type Container, type K8sObject, type Volume } from './kustomize.js';
import { resolveEnv } from './pod-plan.js';

/** One `docker run` of the pod: the pause container or one of the manifest's containers. */
export interface ContainerRun {
  container: string;
  /** Docker's name for it (`<pod>-<container>`). */
  name: string;
  image: string;
  /** Arguments after `docker run`, image and command included. */
  args: string[];
}

/** A directory the runner prepares on the host before the containers start. */
export interface HostDir {
  path: string;
  uid: number;
  gid: number;
  mode: number;
}

export interface ContainerPlanOptions {
  /** Prefix of every docker name (one pod per run). */
  pod: string;
  /** Host directory holding the emptyDir volumes (`<volumesDir>/<volume>`). */
  volumesDir: string;
  /** hostPath path -> host directory standing in for it (the node's /var/log/api-server); others are mounted as they are. */
  hostPaths: Record<string, string>;
  /** Environment values to force, by container name or '*' (addresses of Consul and S3 on the host). */
  overrides: Record<string, Record<string, string>>;
  /** Containers not to run, with the reason. */
  skip?: Record<string, string>;
  /** Images built from this repository: the others (node-exporter) are not run. */
  isOwnImage: (image: string) => boolean;
  /** The image of the pause container (anything with `sleep`, run with --init). */
  pauseImage: string;
  /** Kubernetes has no per-container pid limit; the runner sets this one on every container. */
  pidsLimit: number;
  nodeName: string;
  nodeIp: string;
  /** Extra supplementary groups (the engine socket's group for the registrator). */
  groupAdd?: Record<string, number[]>;
}

/**
 * The containers mode of the local pod (the process mode is planPod + ProcessRunner):
 * the DaemonSet's pod as `docker run` command lines, enforcing what a kubelet would:
 * each container's image, command, working dir, resolved environment, user and groups
 * (runAsUser/runAsGroup, fsGroup, supplementalGroups), read-only root filesystem,
 * capabilities, no-new-privileges, memory and CPU limits, and its volume mounts with
 * their modes (emptyDir -> a host directory shared by the containers that mount it,
 * hostPath -> the host directory). All of them join one pause container's network
 * namespace (`--network container:`), so they share localhost as a pod does; the pause
 * container publishes every declared port on 127.0.0.1 (random host ports) and carries
 * the pod's sysctls. Every container runs with --init: Node as PID 1 would ignore SIGTERM.
 */
export function planContainers(objects: K8sObject[], opts: ContainerPlanOptions): { pause: ContainerRun; containers: ContainerRun[]; hostDirs: HostDir[]; skipped: Array<{ container: string; reason: string }> } {
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const template = ds && podTemplate(ds);
  if (!ds || !template) throw devkitError('CONTAINERS_NO_DAEMONSET', 'no DaemonSet in the manifests');
  const spec = template.spec as typeof template.spec & { securityContext?: PodSecurity };
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o as { data?: Record<string, string> }).data ?? {}]));
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const podSecurity = spec.securityContext ?? {};
  const skipped: Array<{ container: string; reason: string }> = (spec.initContainers ?? []).map((c) => ({ container: c.name, reason: 'init container (the runner prepares the host directories itself)' }));
  const hostDirs = new Map<string, HostDir>();
  const containers: ContainerRun[] = [];
  const ports: number[] = [];
  const pauseName = `${opts.pod}-pause`;

  for (const c of spec.containers) {
    if (!opts.isOwnImage(c.image)) {
      skipped.push({ container: c.name, reason: `third-party image ${c.image}` });
      continue;
    }
    if (opts.skip?.[c.name]) {
      skipped.push({ container: c.name, reason: opts.skip[c.name]! });
      continue;
    }
    if (!c.command?.length) throw devkitError('CONTAINERS_NO_COMMAND', `container ${c.name} has no command`, { context: { container: c.name } });
    const sc = (c.securityContext ?? {}) as ContainerSecurity;
    const uid = sc.runAsUser ?? podSecurity.runAsUser;
    const gid = sc.runAsGroup ?? podSecurity.runAsGroup ?? uid;
    if (uid === undefined || uid === 0) throw devkitError('CONTAINERS_ROOT', `container ${c.name} would run as root (no runAsUser)`, { context: { container: c.name } });
    const args = ['-d', '--name', `${opts.pod}-${c.name}`, '--network', `container:${pauseName}`, '--init', '--user', `${uid}:${gid}`];
    for (const g of [podSecurity.fsGroup, ...(podSecurity.supplementalGroups ?? []), ...(opts.groupAdd?.[c.name] ?? [])]) if (g !== undefined) args.push('--group-add', String(g));
    if (sc.readOnlyRootFilesystem) args.push('--read-only');
    args.push('--cap-drop', 'ALL');
    for (const cap of sc.capabilities?.add ?? []) args.push('--cap-add', cap);
    if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
    const limits = (c.resources as { limits?: { memory?: string; cpu?: string } } | undefined)?.limits ?? {};
    if (limits.memory) args.push('--memory', String(memoryBytes(limits.memory, c.name)));
    if (limits.cpu) args.push('--cpus', String(cpus(limits.cpu, c.name)));
    args.push('--pids-limit', String(opts.pidsLimit));
    if (c.workingDir) args.push('--workdir', c.workingDir);
    for (const m of c.volumeMounts ?? []) {
      const source = volumeSource(volumes.get(m.name), m.name, c, opts, podSecurity, hostDirs);
      args.push('--mount', `type=bind,source=${source},target=${m.mountPath}${m.readOnly ? ',readonly' : ''}`);
    }
    const env = resolveEnv(c, configMaps, opts);
    for (const [k, v] of Object.entries({ ...opts.overrides['*'], ...opts.overrides[c.name] })) if (k in env || opts.overrides[c.name]?.[k] !== undefined) env[k] = v;
    for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
    for (const p of c.ports ?? []) ports.push(p.containerPort);
    const [entrypoint, ...rest] = [...c.command, ...(c.args ?? [])];
    args.push('--entrypoint', entrypoint!, c.image, ...rest);
    containers.push({ container: c.name, name: `${opts.pod}-${c.name}`, image: c.image, args });
  }

  const pauseArgs = ['-d', '--name', pauseName, '--init', '--user', '65534:65534', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--pids-limit', '16'];
  for (const s of podSecurity.sysctls ?? []) pauseArgs.push('--sysctl', `${s.name}=${s.value}`);
  for (const p of ports) pauseArgs.push('--publish', `127.0.0.1::${p}`);
  pauseArgs.push('--entrypoint', 'sleep', opts.pauseImage, '2147483647');
  return { pause: { container: 'pause', name: pauseName, image: opts.pauseImage, args: pauseArgs }, containers, hostDirs: [...hostDirs.values()], skipped };
}

interface PodSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  supplementalGroups?: number[];
  sysctls?: Array<{ name: string; value: string }>;
}
interface ContainerSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

/** Where a volume lives on the host, noting the directories to prepare. */
function volumeSource(volume: Volume | undefined, name: string, c: Container, opts: ContainerPlanOptions, pod: PodSecurity, dirs: Map<string, HostDir>): string {
  if (!volume) throw devkitError('CONTAINERS_UNKNOWN_VOLUME', `container ${c.name} mounts volume "${name}" that the pod does not define`, { context: { container: c.name, volume: name } });
  if (volume.emptyDir) {
    // emptyDir with fsGroup: group-owned by fsGroup, setgid, group-writable (what the kubelet does).
    const path = join(opts.volumesDir, name);
    dirs.set(path, { path, uid: 0, gid: pod.fsGroup ?? 0, mode: 0o2770 });
    return path;
  }
  if (volume.hostPath) {
    const local = opts.hostPaths[volume.hostPath.path];
    if (!local) return volume.hostPath.path;
    // The init container's job: hostPath ignores fsGroup, so the directory is chowned to the user.
    dirs.set(local, { path: local, uid: 10001, gid: 10001, mode: 0o750 });
    return local;
  }
  throw devkitError('CONTAINERS_VOLUME_KIND', `volume "${name}" is neither emptyDir nor hostPath`, { context: { volume: name } });
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A Kubernetes memory quantity (`192Mi`, `1G`, `134217728`) in bytes. */
export function memoryBytes(quantity: string, container = ''): number {
  const m = /^(\d+(?:\.\d+)?)(k|M|G|Ki|Mi|Gi)?$/.exec(quantity);
  if (!m) throw devkitError('CONTAINERS_QUANTITY', `container ${container}: memory limit "${quantity}" is not a quantity this runner reads`, { context: { container, quantity } });
  return Math.round(Number(m[1]) * UNITS[m[2] ?? '']!);
}

/** A Kubernetes CPU quantity (`200m`, `1`, `0.5`) in CPUs. */
export function cpus(quantity: string, container = ''): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity);
  if (!m) throw devkitError('CONTAINERS_QUANTITY', `container ${container}: cpu limit "${quantity}" is not a quantity this runner reads`, { context: { container, quantity } });
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}
