/**
 * The NODE_OPTIONS each container gets in the shipped manifests (deploy/k8s/base, through
 * devkit's kustomize subset and the kubelet's env resolution): benches that say "as
 * deployed" run our processes with exactly these heap flags, read from the one place
 * that sets them, not a copy.
 */
import { resolve } from 'node:path';
import { kustomize, containersOf } from '../packages/devkit/src/kustomize.js';
import { resolveEnv } from '../packages/devkit/src/pod-plan.js';

export async function deployedNodeOptions(): Promise<Record<string, string>> {
  const objects = await kustomize(resolve(import.meta.dirname, '..', 'deploy', 'k8s', 'base'));
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o as { data?: Record<string, string> }).data ?? {}]));
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const out: Record<string, string> = {};
  for (const c of ds ? containersOf(ds) : []) {
    const value = resolveEnv(c, configMaps, { nodeName: 'bench', nodeIp: '127.0.0.1' })['NODE_OPTIONS'];
    if (value) out[c.name] = value;
  }
  return out;
}
