/** What the registrator needs of one running container, read from `GET /containers/{id}/json`. */
export interface ContainerInfo {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  image: string;
  networkMode: string;
  labels: Record<string, string>;
  /** `KEY=value` strings as the engine reports them. */
  env: string[];
  /** Container ports the image or `--expose` declares (`Config.ExposedPorts`). */
  exposed: Array<{ port: number; proto: string }>;
  /** Host bindings of published ports (`NetworkSettings.Ports`). */
  published: Array<{ port: number; proto: string; hostIp: string; hostPort: number }>;
}

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** `8080/tcp` -> { port, proto }; anything else -> undefined (the engine never sends it, but the body is input). */
function portKey(key: string): { port: number; proto: string } | undefined {
  const m = /^(\d{1,5})\/(tcp|udp|sctp)$/.exec(key);
  const port = Number(m?.[1]);
  return m && port >= 1 && port <= 65535 ? { port, proto: m[2] ?? 'tcp' } : undefined;
}

/**
 * The engine's inspect body, narrowed to the fields used and checked for shape. Values
 * are still untrusted (labels, env, names come from whoever started the container):
 * `labels.ts` validates them.
 */
export function containerFromInspect(body: unknown): ContainerInfo {
  const b = record(body);
  const config = record(b.Config);
  const ports = record(record(b.NetworkSettings).Ports);
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(config.Labels))) if (typeof v === 'string') labels[k] = v;
  const published: ContainerInfo['published'] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const p = portKey(key);
    if (!p || !Array.isArray(bindings)) continue;
    for (const binding of bindings) {
      const hostPort = Number(text(record(binding).HostPort));
      if (Number.isInteger(hostPort) && hostPort >= 1 && hostPort <= 65535) published.push({ ...p, hostIp: text(record(binding).HostIp), hostPort });
    }
  }
  return {
    id: text(b.Id),
    name: text(b.Name).replace(/^\//, ''),
    image: text(config.Image),
    networkMode: text(record(b.HostConfig).NetworkMode) || 'default',
    labels,
    env: Array.isArray(config.Env) ? config.Env.filter((e): e is string => typeof e === 'string') : [],
    exposed: Object.keys(record(config.ExposedPorts)).flatMap((k) => portKey(k) ?? []),
    published,
  };
}
