import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as apps from 'kubernetes-models/apps/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as core from 'kubernetes-models/v1';

const DEPLOY = resolve(import.meta.dirname, '../../deploy/k8s');
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

/**
 * The optional consul-k8s catalog sync component (issue 13: how Kubernetes pods get into
 * Consul). Our own kustomize reader has no components, so this needs kubectl.
 */
describe.skipIf(!kubectl)('deploy/k8s/components/consul-k8s-sync', () => {
  it('applies over the base and every object validates, read-only RBAC, locked-down container', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ksync-'));
    try {
      // kustomize refuses absolute paths and paths outside the root: copy both in.
      await cp(join(DEPLOY, 'base'), join(dir, 'base'), { recursive: true });
      await cp(join(DEPLOY, 'components/consul-k8s-sync'), join(dir, 'sync'), { recursive: true });
      await writeFile(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [base]\ncomponents: [sync]\n');
      const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const objects = parseAllDocuments(out.stdout).map((d) => d.toJS() as any);
      const models: Record<string, new (data: any) => { validate(): void }> = {
        Deployment: apps.Deployment,
        ClusterRole: rbac.ClusterRole,
        ClusterRoleBinding: rbac.ClusterRoleBinding,
        ServiceAccount: core.ServiceAccount,
      };
      const added = objects.filter((o) => o.metadata.name.includes('consul-k8s-sync'));
      expect(added.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'ServiceAccount']);
      for (const o of added) expect(() => new models[o.kind]!(o).validate(), o.kind).not.toThrow();
      const role = added.find((o) => o.kind === 'ClusterRole');
      expect(role.rules.flatMap((r: any) => r.verbs).every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
      const binding = added.find((o) => o.kind === 'ClusterRoleBinding');
      expect(binding.subjects[0]).toMatchObject({ name: 'consul-k8s-sync', namespace: 'api-server' });
      const c = added.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0];
      expect(c.command).toEqual(expect.arrayContaining(['sync-catalog', '-to-consul=true', '-to-k8s=false', '-http-addr=$(HOST_IP):8500']));
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
