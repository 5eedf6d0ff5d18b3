import { containersOf, podTemplate, type Container, type K8sObject } from './kustomize.js';

/**
 * Who writes and who reads each shared directory (docs/architecture.md, "shared
 * directories"): a writer mounts it read-write, a reader read-only, nobody else at all.
 * state/ and textfile/ are written by every component, each its own file.
 */
const VOLUME_CONTRACT: Record<string, { writers: string[]; readers: string[] }> = {
  templates: { writers: ['s3-sync'], readers: ['renderer'] },
  rendered: { writers: ['renderer'], readers: ['haproxy-supervisor'] },
  live: { writers: ['haproxy-supervisor'], readers: [] },
  run: { writers: ['haproxy-supervisor'], readers: ['metrics'] },
  'host-logs': { writers: ['log-shipper'], readers: ['metrics'] },
  state: { writers: ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics', 'registrator'], readers: [] },
  textfile: { writers: ['s3-sync', 'renderer', 'haproxy-supervisor', 'log-shipper', 'metrics'], readers: ['node-exporter'] },
  // The engine's API socket: only the registrator, read-only (it only reads the API).
  'docker-sock': { writers: [], readers: ['registrator'] },
};

/** Containers of ours, by component name, with the capabilities each may add. */
const COMPONENT_CAPABILITIES: Record<string, string[]> = {
  's3-sync': [],
  renderer: [],
  'haproxy-supervisor': ['NET_BIND_SERVICE'],
  'log-shipper': [],
  metrics: [],
  registrator: [],
};

/**
 * Everything a reviewer would check by hand in the DaemonSet, as problems that name
 * the container and the field: security settings, probes on the port the component
 * actually serves, the volume contract, resources, rollout and drain timing.
 */
export function checkManifest(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ds = objects.find((o) => o.kind === 'DaemonSet');
  const template = ds && podTemplate(ds);
  if (!ds || !template) return ['no DaemonSet found'];
  const spec = template.spec as Record<string, any>;
  const config = (objects.find((o) => o.kind === 'ConfigMap') as { data?: Record<string, string> } | undefined)?.data ?? {};
  const strategy = (ds.spec as any)?.updateStrategy;
  if (strategy?.type !== 'RollingUpdate' || strategy?.rollingUpdate?.maxUnavailable !== 1) problems.push('DaemonSet: updateStrategy must be RollingUpdate with maxUnavailable 1');
  if (spec.enableServiceLinks !== false) problems.push('pod: enableServiceLinks must be false (injected *_PORT/*_HOST variables would be unknown variables to our components)');
  if (spec.automountServiceAccountToken !== false) problems.push('pod: automountServiceAccountToken must be false (no component uses the Kubernetes API)');
  const sa = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === spec.serviceAccountName) as any;
  if (!sa) problems.push(`pod: serviceAccountName ${spec.serviceAccountName} has no ServiceAccount`);
  else if (sa.automountServiceAccountToken !== false) problems.push(`ServiceAccount ${sa.metadata.name}: automountServiceAccountToken must be false`);

  const drain = Number(config.DRAIN_SECONDS ?? 0);
  const hardStop = parseDurationSeconds(config.HAPROXY_HARD_STOP_AFTER ?? '30s');
  if (!(Number(spec.terminationGracePeriodSeconds) > drain + hardStop)) {
    problems.push(`pod: terminationGracePeriodSeconds (${spec.terminationGracePeriodSeconds}) must exceed DRAIN_SECONDS (${drain}) + HAPROXY_HARD_STOP_AFTER (${hardStop}s)`);
  }

  const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
  for (const c of template.spec.containers) problems.push(...checkContainer(c, config));
  for (const [volume, rule] of Object.entries(VOLUME_CONTRACT)) {
    if (!volumes.has(volume)) {
      problems.push(`volume ${volume}: missing from the pod`);
      continue;
    }
    for (const c of template.spec.containers) {
      const mount = c.volumeMounts?.find((m) => m.name === volume);
      const writer = rule.writers.includes(c.name);
      const reader = rule.readers.includes(c.name);
      if ((writer || reader) && !mount) problems.push(`container ${c.name}: ${writer ? 'writes' : 'reads'} ${volume} but does not mount it`);
      if (mount && writer && mount.readOnly) problems.push(`container ${c.name}: writes ${volume} but mounts it read-only`);
      if (mount && reader && !mount.readOnly) problems.push(`container ${c.name}: only reads ${volume} but mounts it read-write`);
      if (mount && !writer && !reader) problems.push(`container ${c.name}: mounts ${volume} without needing it`);
    }
  }
  for (const c of containersOf(ds)) {
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`container ${c.name}: mounts undefined volume ${m.name}`);
  }
  const hostLogs = volumes.get('host-logs');
  if (hostLogs && !hostLogs.hostPath) problems.push('volume host-logs: must be a hostPath (logs stay on the node)');
  return problems;
}

function checkContainer(c: Container, config: Record<string, string>): string[] {
  const problems: string[] = [];
  const at = `container ${c.name}`;
  const sc = (c.securityContext ?? {}) as Record<string, any>;
  if (sc.runAsNonRoot !== true) problems.push(`${at}: securityContext.runAsNonRoot must be true`);
  if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: securityContext.readOnlyRootFilesystem must be true`);
  if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: securityContext.allowPrivilegeEscalation must be false`);
  if (sc.privileged) problems.push(`${at}: must not be privileged`);
  const drop: string[] = sc.capabilities?.drop ?? [];
  if (!drop.includes('ALL')) problems.push(`${at}: securityContext.capabilities.drop must include ALL`);
  const allowed = COMPONENT_CAPABILITIES[c.name] ?? [];
  for (const cap of (sc.capabilities?.add ?? []) as string[]) if (!allowed.includes(cap)) problems.push(`${at}: adds capability ${cap} (allowed: ${allowed.join(', ') || 'none'})`);
  const resources = c.resources as any;
  for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!resources?.[kind]?.[r]) problems.push(`${at}: resources.${kind}.${r} missing`);

  if (!(c.name in COMPONENT_CAPABILITIES)) return problems;
  const metricsAddr = c.env?.find((e) => e.name === 'METRICS_ADDR');
  const addr = metricsAddr?.value ?? (metricsAddr?.valueFrom?.configMapKeyRef ? config[metricsAddr.valueFrom.configMapKeyRef.key] : undefined);
  const metricsPort = addr ? Number(/:(\d+)$/.exec(addr)?.[1]) : undefined;
  if (!metricsPort) problems.push(`${at}: METRICS_ADDR must be set explicitly (the probes depend on it)`);
  for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
    const get = (c[probe] as any)?.httpGet;
    if (!get) {
      problems.push(`${at}: ${probe} must be an httpGet on ${path}`);
      continue;
    }
    if (get.path !== path) problems.push(`${at}: ${probe} path is ${get.path}, expected ${path}`);
    const port = typeof get.port === 'number' ? get.port : c.ports?.find((p) => p.name === get.port)?.containerPort;
    if (port === undefined) problems.push(`${at}: ${probe} port ${get.port} names no container port`);
    else if (metricsPort && port !== metricsPort) problems.push(`${at}: ${probe} port ${port} does not match METRICS_ADDR port ${metricsPort}`);
  }
  if (metricsPort && !c.ports?.some((p) => p.containerPort === metricsPort)) problems.push(`${at}: METRICS_ADDR port ${metricsPort} is not a declared container port`);
  const cmd = c.command ?? [];
  if (cmd[0] !== 'node' || cmd[cmd.length - 1] !== `packages/${c.name}/dist/main.js`) problems.push(`${at}: command must run node packages/${c.name}/dist/main.js, got ${JSON.stringify(cmd)}`);
  return problems;
}

/** HAProxy-style duration ("30s", "2m", "500ms", "10") in seconds. */
function parseDurationSeconds(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : m[2] === 'h' ? n * 3600 : n;
}
