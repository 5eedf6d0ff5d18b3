/**
 * Pure text for the peer comparison (bench/peers.ts): the one Handlebars template that
 * ours and the consul-template-style loop both render, the static baseline's config (what
 * that template renders to with every instance up), and HAProxy's own Consul DNS config.
 * The same defaults and frontend in all four, so only the way servers get in differs.
 */

/** Shared `defaults` + `frontend`: routes `Host: <service>.<anything>` to backend `<service>`. */
function head(bind: string, serverState: boolean): string {
  return `defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  option idle-close-on-response
${serverState ? '  load-server-state-from-file global\n' : ''}
frontend http
  bind ${bind}
  use_backend %[req.hdr(host),lower,word(1,.)]
`;
}

/**
 * The template ours renders (renderer helpers) and the loop renders (the same helpers,
 * re-implemented the consul-template way). `serverState`: ours' supervisor keeps server
 * state across reloads (its global section names the file); the loop has none.
 */
export function peersTemplate(serverState: boolean): string {
  return `${head('{{env "HTTP_BIND"}}', serverState)}
{{#each (services)}}
backend {{haproxyId name}}
  balance roundrobin
{{#each (service name)}}  server {{haproxyId id}} {{address}}:{{port}}
{{/each}}{{/each}}
`;
}

export interface StaticService {
  name: string;
  instances: Array<{ id: string; address: string; port: number }>;
}

/** The static baseline: every server written in the file, as the template renders with all instances up. */
export function staticConfig(bind: string, services: StaticService[]): string {
  const backends = services.map(
    (s) => `backend ${s.name}\n  balance roundrobin\n${s.instances.map((i) => `  server ${i.id} ${i.address}:${i.port}\n`).join('')}`,
  );
  return `${head(bind, false)}\n${backends.join('')}`;
}

export interface DnsOptions {
  bind: string;
  /** Consul's DNS interface, host:port. */
  dns: string;
  services: string[];
  /** `server-template` slots per service (>= the instances a service has). */
  slots: number;
  /** `timeout resolve`: how often every SRV record is asked again. */
  resolveMs: number;
}

/**
 * HAProxy's own Consul integration: a `resolvers` section on Consul's DNS interface and one
 * `server-template` per service on `_<service>._tcp.service.consul` SRV records.
 * Traps measured with Consul 1.8 DNS: `accepted_payload_size` (else Consul truncates to 3 records),
 * `allow-dup-ip` (instances sharing 127.0.0.1), `init-addr none` (start before the first
 * answer), `hold obsolete 0s` (a record gone from the answer takes its server out at once).
 */
export function dnsConfig(o: DnsOptions): string {
  const backends = o.services.map(
    (s) =>
      `backend ${s}\n  balance roundrobin\n  server-template ${s} ${o.slots} _${s}._tcp.service.consul resolvers consul resolve-opts allow-dup-ip resolve-prefer ipv4 init-addr none\n`,
  );
  return `resolvers consul
  nameserver consul ${o.dns}
  accepted_payload_size 8192
  resolve_retries 3
  timeout resolve ${o.resolveMs}ms
  timeout retry ${o.resolveMs}ms
  hold valid 10s
  hold obsolete 0s
  hold nx ${o.resolveMs}ms

${head(o.bind, false)}
${backends.join('')}`;
}
