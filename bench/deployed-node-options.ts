/**
 * How each container runs `node` in the shipped manifests (deploy/k8s/base, through
 * devkit's kustomize subset and the kubelet's env resolution): its NODE_OPTIONS and the
 * flags its command gives node before the script (V8 flags Node refuses in NODE_OPTIONS,
 * e.g. --no-turbofan). Benches that say "as deployed" run our processes with exactly these,
 * read from the one place that sets them, not a copy.
 */
import { resolve } from 'node:path';
import { kustomize, containersOf } from '../packages/devkit/src/kustomize.js';
import { resolveEnv } from '../packages/devkit/src/pod-plan.js';

export interface DeployedNode {
  /** NODE_OPTIONS, when the container sets it. */
  env: Record<string, string>;
  /** Flags between `node` and the script in the container's command. */
  args: string[];
}

export async function deployedNode(): Promise<Record<string, DeployedNode>> {
  const objects = await kustomize(resolve(import.meta.dirname, '..', 'deploy', 'k8s', 'base'));
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, (o as { data?: Record<string, string> }).data ?? {}]));
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const out: Record<string, DeployedNode> = {};
  for (const c of ds ? containersOf(ds) : []) {
    const value = resolveEnv(c, configMaps, { nodeName: 'bench', nodeIp: '127.0.0.1' })['NODE_OPTIONS'];
    const command = [...(c.command ?? []), ...(c.args ?? [])];
    const script = command.findIndex((a, i) => i > 0 && !a.startsWith('--'));
    const args = command[0] === 'node' && script > 0 ? command.slice(1, script) : [];
    out[c.name] = { env: value ? { NODE_OPTIONS: value } : {}, args };
  }
  return out;
}

/** One container's, or nothing set when the manifests do not run it. */
export function deployedAs(all: Record<string, DeployedNode>, container: string): DeployedNode {
  return all[container] ?? { env: {}, args: [] };
}
