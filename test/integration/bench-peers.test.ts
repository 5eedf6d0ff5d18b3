import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsConfig, staticConfig, type StaticService } from '../../bench/peers-config.js';
import { startConsulWithDns, starters, type Contender } from '../../bench/peers-contenders.js';
import { flipLatency } from '../../bench/peers-measure.js';
import { Backend } from '../helpers/backends.js';
import type { ConsulDev } from '../helpers/consul.js';
import { requestVia } from '../helpers/pipeline.js';
import { freePort, waitFor } from '../helpers/ports.js';

/**
 * The peers of bench/peers.ts are what the bench claims: their configs pass `haproxy -c`,
 * and HAProxy's DNS integration and the consul-template-style loop route a real Consul
 * service and follow its health (an instance failing its check stops getting requests, and
 * gets them again when it passes). A peer that never converged would make the comparison void.
 */
describe('bench peers: the compared setups work', () => {
  let root: string;
  let consul: ConsulDev;
  let dnsPort: number;
  const backends: Backend[] = [];
  let services: StaticService[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bench-peers-test-'));
    dnsPort = await freePort();
    consul = await startConsulWithDns(root, dnsPort);
    for (const id of ['probe-a', 'probe-b']) {
      const b = await Backend.start(id);
      backends.push(b);
      await consul.register({ id, name: 'probe', address: '127.0.0.1', port: b.port });
    }
    services = [{ name: 'probe', instances: backends.map((b) => ({ id: b.name, address: '127.0.0.1', port: b.port })) }];
  }, 60_000);

  afterAll(async () => {
    await consul?.destroy();
    await Promise.all(backends.map((b) => b.stop()));
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the static and DNS configs pass haproxy -c', async () => {
    const files = {
      'static.cfg': staticConfig('127.0.0.1:1', services),
      'dns.cfg': dnsConfig({ bind: '127.0.0.1:1', dns: `127.0.0.1:${dnsPort}`, services: ['probe', 'other'], slots: 5, resolveMs: 100 }),
    };
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(root, name), text);
      // Throws on a non-zero exit, with HAProxy's alerts in the message.
      execFileSync('haproxy', ['-c', '-q', '-f', join(root, name)], { stdio: 'pipe' });
    }
  });

  for (const name of ['dns', 'loop'] as const) {
    it(`${name}: routes the service and follows a health flip`, async () => {
      const c: Contender = await starters[name]({ consulAddr: consul.addr, dnsAddr: `127.0.0.1:${dnsPort}`, dir: join(root, name), services, slots: 5, resolveMs: 100 });
      try {
        const seen = new Set<string>();
        await waitFor(async () => (seen.add((await requestVia(c.port, 'probe.bench').catch(() => ({ body: '' }))).body), seen.has('probe-a') && seen.has('probe-b')), { timeoutMs: 20_000, what: `${name} routing both` });
        const out = await flipLatency(c.port, 'probe.bench', 'probe-b', false, () => consul.setHealth('probe-b', false), 10_000);
        expect(out).not.toBeNull();
        for (let i = 0; i < 10; i++) expect((await requestVia(c.port, 'probe.bench')).body).toBe('probe-a');
        const back = await flipLatency(c.port, 'probe.bench', 'probe-b', true, () => consul.setHealth('probe-b', true), 10_000);
        expect(back).not.toBeNull();
      } finally {
        await consul.setHealth('probe-b', true);
        await c.stop();
      }
    }, 60_000);
  }
});
