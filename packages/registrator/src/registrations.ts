import { isIP } from 'node:net';
import type { ContainerInfo } from './sources/container.js';
import { forPort, readSettings, SERVICE_NAME, serviceVariables } from './labels.js';

/** Meta keys that mark a registration as this registrator's own. */
export const OWNER = { node: 'registrator-node', container: 'registrator-container', check: 'registrator-check' } as const;

/** One service instance as `PUT /v1/agent/service/register` takes it. */
export interface Registration {
  ID: string;
  Name: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Check: { Name: string; TCP?: string; HTTP?: string; Interval: string; Timeout: string; DeregisterCriticalServiceAfter: string };
}

export interface RegistrationDefaults {
  nodeName: string;
  nodeIp: string;
  checkInterval: string;
  checkTimeout: string;
  deregisterAfter: string;
}

export type ContainerPlan =
  | { container: ContainerInfo; registrations: Registration[]; ignored: boolean }
  | { container: ContainerInfo; problems: string[] };

/** Docker's own container name alphabet; anything else (an engine we do not know) is refused. */
const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** `registry:5000/team/web-app:1.2` -> `web-app`: Registrator's default service name, made a DNS label. */
export function nameFromImage(image: string): string {
  const last = image.split('@')[0]?.split('/').pop() ?? '';
  return last
    .replace(/:.*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * The ports a container offers and where they are reached from outside: published
 * bindings on a bridge (the binding's own IP when it is specific, else the node IP),
 * exposed ports on the node IP under host networking. Unpublished bridge ports are not
 * reachable from other nodes, so they are not registered (as Registrator without
 * `-internal`). Only TCP: every registration carries a health check, and UDP has none.
 */
function reachablePorts(c: ContainerInfo, nodeIp: string): Array<{ port: number; address: string; hostPort: number }> {
  if (c.networkMode === 'host') {
    return c.exposed.filter((p) => p.proto === 'tcp').map((p) => ({ port: p.port, address: nodeIp, hostPort: p.port }));
  }
  const seen = new Set<number>();
  const out: Array<{ port: number; address: string; hostPort: number }> = [];
  for (const b of c.published) {
    // IPv4 and IPv6 wildcard bindings of one port are one instance.
    if (b.proto !== 'tcp' || seen.has(b.port)) continue;
    seen.add(b.port);
    const specific = b.hostIp !== '' && b.hostIp !== '0.0.0.0' && b.hostIp !== '::' && isIP(b.hostIp) !== 0;
    out.push({ port: b.port, address: specific ? b.hostIp : nodeIp, hostPort: b.hostPort });
  }
  return out.sort((a, b) => a.port - b.port);
}

/** What one running container should have registered, or why it is refused. */
export function planContainer(c: ContainerInfo, d: RegistrationDefaults): ContainerPlan {
  if (!CONTAINER_NAME.test(c.name)) return { container: c, problems: [`container name ${JSON.stringify(c.name.slice(0, 64))} is not [A-Za-z0-9_.-]`] };
  const { settings, problems } = readSettings(serviceVariables(c.env, c.labels));
  if (problems.length > 0) return { container: c, problems };
  if (settings.all.ignore) return { container: c, registrations: [], ignored: true };
  const ports = reachablePorts(c, d.nodeIp);
  const registrations: Registration[] = [];
  for (const p of ports) {
    const s = forPort(settings, p.port);
    if (s.ignore) continue;
    const base = s.portNamed ? s.name : (s.name ?? nameFromImage(c.image));
    if (!base) return { container: c, problems: [`no service name: set SERVICE_NAME (the image name ${JSON.stringify(c.image.slice(0, 64))} gives none)`] };
    // Several ports without their own names: Registrator's "<name>-<port>".
    const name = !s.portNamed && ports.length > 1 ? `${base}-${p.port}` : base;
    if (!SERVICE_NAME.test(name)) return { container: c, problems: [`service name ${name} is longer than 63 characters`] };
    const interval = s.checkInterval ?? d.checkInterval;
    const timeout = s.checkTimeout ?? d.checkTimeout;
    const host = p.address.includes(':') ? `[${p.address}]` : p.address;
    const probe = s.checkHttp !== undefined && s.checkTcp !== true ? { HTTP: `http://${host}:${p.hostPort}${s.checkHttp}` } : { TCP: `${host}:${p.hostPort}` };
    const id = `${d.nodeName}:${c.name}:${p.port}`;
    registrations.push({
      ID: id,
      Name: name,
      Tags: s.tags,
      Address: p.address,
      Port: p.hostPort,
      Meta: {
        ...s.meta,
        [OWNER.node]: d.nodeName,
        [OWNER.container]: c.id,
        // The check is not in /v1/agent/services: its definition rides in meta so a change is seen.
        // Commas, not spaces: the renderer refuses a Consul value that is not one HAProxy word.
        [OWNER.check]: `${probe.HTTP ? `http,${s.checkHttp}` : 'tcp'},${interval},${timeout},${d.deregisterAfter}`,
      },
      Check: { Name: `${name} on ${c.name}`, ...probe, Interval: interval, Timeout: timeout, DeregisterCriticalServiceAfter: d.deregisterAfter },
    });
  }
  return { container: c, registrations, ignored: false };
}
