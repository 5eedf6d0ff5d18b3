import { join } from 'node:path';
import { devkitError } from './error-codes.js';
import { containersOf, podTemplate, type Container, type K8sObject } from './kustomize.js';

/** How one container of the pod runs as a local process. */
export interface ProcessPlan {
  container: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  /** mountPath -> local directory (symlinks in the container's own view). */
  mounts: Array<{ mountPath: string; volume: string; local: string; readOnly: boolean }>;
  /** Local directory standing in for the container's filesystem root paths. */
  root: string;
}

export interface PlanOptions {
  repoRoot: string;
  workDir: string;
  nodeName: string;
  nodeIp: string;
  /** Environment values to force, by container name or '*' for every container. */
  overrides: Record<string, Record<string, string>>;
  /** Images built from this repository (others, like node-exporter, are not run locally). */
  ownImagePrefix: string;
  /** Containers not to run here, with the reason (the registrator on a machine without an engine). */
  skip?: Record<string, string>;
}

/**
 * Turns the DaemonSet's pod template into local process plans: the container's own
 * command run from the repository (its image's /app), its environment resolved the
 * way the kubelet does (ConfigMap keys, downward API, $(VAR) references), and each
 * volume mapped to a local directory under the container's own root view, so a
 * container only finds the volumes it mounts.
 */
export function planPod(objects: K8sObject[], opts: PlanOptions): { plans: ProcessPlan[]; skipped: Array<{ container: string; reason: string }> } {
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const template = ds && podTemplate(ds);
  if (!ds || !template) throw devkitError('DEV_NO_DAEMONSET', 'no DaemonSet in the manifests');
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o as { data?: Record<string, string> }).data ?? {}]));
  const volumes = new Map((template.spec.volumes ?? []).map((v) => [v.name, v]));
  const plans: ProcessPlan[] = [];
  const skipped: Array<{ container: string; reason: string }> = [];
  for (const c of template.spec.initContainers ?? []) skipped.push({ container: c.name, reason: 'init container (the runner prepares local directories itself)' });
  for (const c of template.spec.containers) {
    if (!c.image.startsWith(opts.ownImagePrefix)) {
      skipped.push({ container: c.name, reason: `third-party image ${c.image}` });
      continue;
    }
    const skip = opts.skip?.[c.name];
    if (skip) {
      skipped.push({ container: c.name, reason: skip });
      continue;
    }
    const root = join(opts.workDir, 'containers', c.name);
    const mounts = (c.volumeMounts ?? []).map((m) => {
      const volume = volumes.get(m.name);
      if (!volume) throw devkitError('DEV_UNKNOWN_VOLUME', `container ${c.name} mounts volume "${m.name}" that the pod does not define`, { context: { container: c.name, volume: m.name } });
      return { mountPath: m.mountPath, volume: m.name, local: join(root, m.mountPath), readOnly: m.readOnly ?? false };
    });
    const env = resolveEnv(c, configMaps, opts);
    for (const [k, v] of Object.entries({ ...opts.overrides['*'], ...opts.overrides[c.name] })) if (k in env || opts.overrides[c.name]?.[k] !== undefined) env[k] = v;
    // Paths inside mounts point into the container's local root view.
    for (const [k, v] of Object.entries(env)) env[k] = localisePath(v, root, mounts);
    if (!c.command?.length) throw devkitError('DEV_NO_COMMAND', `container ${c.name} has no command: the runner runs exactly what the manifest runs`, { context: { container: c.name } });
    plans.push({ container: c.name, command: [...c.command, ...(c.args ?? [])], cwd: opts.repoRoot, env, mounts, root });
  }
  return { plans, skipped };
}

/** A container's environment resolved the way the kubelet does (values, ConfigMap keys, downward API, $(VAR)). */
export function resolveEnv(c: Container, configMaps: Map<string, Record<string, string>>, opts: Pick<PlanOptions, 'nodeName' | 'nodeIp'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    let value: string;
    if (e.value !== undefined) value = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
    else if (e.valueFrom?.configMapKeyRef) {
      const { name, key } = e.valueFrom.configMapKeyRef;
      const data = configMaps.get(name);
      if (!data || !(key in data)) throw devkitError('DEV_CONFIGMAP_KEY', `container ${c.name}: ${e.name} refers to ConfigMap ${name} key ${key}, which does not exist`, { context: { container: c.name, variable: e.name } });
      value = data[key] ?? '';
    } else if (e.valueFrom?.fieldRef) {
      const field = e.valueFrom.fieldRef.fieldPath;
      const known: Record<string, string> = { 'spec.nodeName': opts.nodeName, 'status.hostIP': opts.nodeIp, 'status.podIP': opts.nodeIp, 'metadata.name': `api-server-${opts.nodeName}`, 'metadata.namespace': 'api-server' };
      if (!(field in known)) throw devkitError('DEV_FIELDREF', `container ${c.name}: ${e.name} uses fieldRef ${field}, unknown to the local runner`);
      value = known[field] ?? '';
    } else throw devkitError('DEV_ENV_SOURCE', `container ${c.name}: ${e.name} has no value the local runner can resolve`);
    env[e.name] = value;
  }
  return env;
}

function localisePath(value: string, root: string, mounts: ProcessPlan['mounts']): string {
  if (!value.startsWith('/')) return value;
  // /shared is the parent of several mounts: map any absolute path under the root view.
  const inMount = mounts.some((m) => value === m.mountPath || value.startsWith(`${m.mountPath}/`) || m.mountPath.startsWith(`${value}/`));
  return inMount ? join(root, value) : value;
}
