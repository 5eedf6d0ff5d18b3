import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { devkitError } from './error-codes.js';

/** A Kubernetes object as plain data. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: unknown };

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string; digest?: string }>;
  patches?: Array<{ target: { kind?: string; name?: string }; patch: string }>;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition']);

/**
 * The subset of `kubectl kustomize` this repository's manifests use: resources (files
 * and directories), namespace, labels, images, and JSON 6902 patches. No kubectl
 * exists on our machines, and the local runner must read the same objects a cluster
 * would get. Anything else in a kustomization is refused, not ignored.
 */
export async function kustomize(dir: string): Promise<K8sObject[]> {
  const path = join(dir, 'kustomization.yaml');
  const k = (await loadYaml(path))[0] as Kustomization & Record<string, unknown>;
  const known = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'patches']);
  const unknown = Object.keys(k).filter((key) => !known.has(key));
  if (unknown.length) throw devkitError('KUSTOMIZE_UNSUPPORTED', `${path}: unsupported fields ${unknown.join(', ')}`, { context: { path } });

  let objects: K8sObject[] = [];
  for (const resource of k.resources ?? []) {
    const target = resolve(dir, resource);
    objects.push(...(resource.endsWith('.yaml') || resource.endsWith('.yml') ? ((await loadYaml(target)) as K8sObject[]) : await kustomize(target)));
  }
  objects = structuredClone(objects);
  for (const obj of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = k.namespace;
    for (const label of k.labels ?? []) {
      obj.metadata.labels = { ...obj.metadata.labels, ...label.pairs };
      const template = podTemplate(obj);
      // Like kustomize: pod templates get the labels only when asked to (selectors are immutable).
      if (template && (label.includeTemplates || label.includeSelectors)) template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, ...label.pairs } };
    }
    for (const container of containersOf(obj)) {
      const image = k.images?.find((i) => container.image === i.name || container.image.startsWith(`${i.name}:`) || container.image.startsWith(`${i.name}@`));
      if (image) {
        const name = image.newName ?? image.name;
        container.image = image.digest ? `${name}@${image.digest}` : `${name}:${image.newTag ?? 'latest'}`;
      }
    }
  }
  for (const patch of k.patches ?? []) {
    const matches = objects.filter((o) => (!patch.target.kind || o.kind === patch.target.kind) && (!patch.target.name || o.metadata.name === patch.target.name));
    if (matches.length === 0) throw devkitError('KUSTOMIZE_PATCH_NO_TARGET', `${path}: patch target ${JSON.stringify(patch.target)} matches nothing`);
    const ops = parseYaml(patch.patch) as JsonPatchOp[];
    for (const obj of matches) applyJsonPatch(obj, ops);
  }
  return objects;
}

async function loadYaml(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8').catch((err: unknown) => {
    throw devkitError('KUSTOMIZE_READ', `cannot read ${path}: ${(err as Error).message}`, { cause: err, context: { path } });
  });
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length) throw devkitError('KUSTOMIZE_YAML', `${path}: ${doc.errors[0]?.message}`, { context: { path } });
      return doc.toJS() as unknown;
    })
    .filter((d) => d !== null && d !== undefined);
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[]; [k: string]: unknown };
}
export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { configMapKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }>;
  ports?: Array<{ name?: string; containerPort: number; hostPort?: number }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  [k: string]: unknown;
}
export interface Volume {
  name: string;
  emptyDir?: object;
  hostPath?: { path: string; type?: string };
  configMap?: { name: string };
}

export function podTemplate(obj: K8sObject): PodTemplate | undefined {
  const spec = obj.spec as { template?: PodTemplate } | undefined;
  return obj.kind === 'DaemonSet' || obj.kind === 'Deployment' || obj.kind === 'StatefulSet' ? spec?.template : undefined;
}

export function containersOf(obj: K8sObject): Container[] {
  const t = podTemplate(obj);
  return t ? [...(t.spec.initContainers ?? []), ...t.spec.containers] : [];
}

type JsonPatchOp = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

/** RFC 6902 add/replace/remove (what our overlays use). */
function applyJsonPatch(target: unknown, ops: JsonPatchOp[]): void {
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`bad patch path ${op.path}`);
    let node = target as Record<string, unknown>;
    for (const part of parts) {
      const next = (node as Record<string, unknown>)[part];
      if (next === undefined || next === null || typeof next !== 'object') throw new Error(`patch path ${op.path}: ${part} not found`);
      node = next as Record<string, unknown>;
    }
    if (Array.isArray(node)) {
      const index = last === '-' ? node.length : Number(last);
      if (op.op === 'add') node.splice(index, 0, op.value);
      else if (op.op === 'replace') node[index] = op.value;
      else node.splice(index, 1);
    } else if (op.op === 'remove') {
      delete node[last];
    } else {
      if (op.op === 'replace' && !(last in node)) throw new Error(`patch path ${op.path}: nothing to replace`);
      node[last] = op.value;
    }
  }
}

