import { describe, expect, it } from 'vitest';
import { parseEnv } from '@api-server/core';
import { consulBaseUrl, envPrefixes, envShape, maxSilenceMs } from './config.js';
import { Wakeup } from './wakeup.js';

describe('Wakeup', () => {
  const signal = new AbortController().signal;
  it('coalesces a burst of requests into one wake with every reason', async () => {
    const w = new Wakeup();
    for (const r of ['event:start', 'event:die', 'event:start']) w.request(r);
    expect(await w.wait(10_000, signal)).toEqual(['event:start', 'event:die']);
  });
  it('wakes a waiter on the first request, and says resync when the timer ran out', async () => {
    const w = new Wakeup();
    const woken = w.wait(10_000, signal);
    setTimeout(() => w.request('agent-changed'), 5);
    expect(await woken).toEqual(['agent-changed']);
    expect(await w.wait(5, signal)).toEqual(['resync']);
    w.request('late');
    expect(w.drain()).toEqual(['late']);
    expect(w.drain()).toEqual([]);
  });
  it('returns at once when aborted', async () => {
    const c = new AbortController();
    const w = new Wakeup();
    const woken = w.wait(60_000, c.signal);
    c.abort();
    expect(await woken).toEqual(['resync']);
  });
});

describe('config', () => {
  it('has safe defaults and needs only NODE_IP', () => {
    const env = parseEnv(envShape, { NODE_IP: '10.0.0.5', NODE_NAME: 'n1' }, envPrefixes);
    expect(env.DOCKER_HOST).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(consulBaseUrl(env)).toBe('http://127.0.0.1:8500/v1');
    expect(consulBaseUrl({ CONSUL_HTTP_ADDR: '10.0.0.5:8501', CONSUL_HTTP_SSL: true })).toBe('https://10.0.0.5:8501/v1');
    expect([env.REGISTRATOR_CHECK_INTERVAL, env.REGISTRATOR_DEREGISTER_AFTER, env.REGISTRATOR_RESYNC_MS]).toEqual(['10s', '10m', 30_000]);
    expect(() => parseEnv(envShape, {}, envPrefixes)).toThrow(/NODE_IP/);
  });
  it.each([
    [{ NODE_NAME: 'a b' }, /NODE_NAME/],
    [{ REGISTRATOR_DEREGISTER_AFTER: '30s' }, /REGISTRATOR_DEREGISTER_AFTER: 30s is outside/],
    [{ DOCKER_TLS_VERIFY: '1' }, /TLS to the engine is not supported/],
    [{ REGISTRATOR_RESYNC: '5' }, /unknown variable/],
  ])('refuses %o', (extra, expected) => {
    expect(() => parseEnv(envShape, { NODE_IP: '10.0.0.5', ...extra }, envPrefixes)).toThrow(expected);
  });
  it('keeps /healthz patient enough for a long resync', () => {
    expect(maxSilenceMs(undefined)).toBe(120_000);
    expect(maxSilenceMs('300000')).toBe(660_000);
  });
});
