import { describe, expect, it } from 'vitest';
import { parseDockerHost } from './docker-host.js';
import { EventLineParser } from './engine-events.js';

describe('parseDockerHost', () => {
  it.each<[string, unknown]>([
    ['unix:///var/run/docker.sock', { kind: 'unix', socketPath: '/var/run/docker.sock' }],
    ['tcp://10.0.0.1:2376', { kind: 'tcp', host: '10.0.0.1', port: 2376 }],
    ['tcp://docker', { kind: 'tcp', host: 'docker', port: 2375 }],
    ['http://[::1]:2375', { kind: 'tcp', host: '::1', port: 2375 }],
    ['localhost:2375', { kind: 'tcp', host: 'localhost', port: 2375 }],
  ])('%s', (value, expected) => {
    expect(parseDockerHost(value)).toEqual(expected);
  });
  it.each([
    ['unix://relative.sock', /absolute/],
    ['https://h:2376', /TLS/],
    ['ssh://user@h', /ssh/],
    ['npipe:////./pipe/docker_engine', /Windows/],
    ['ftp://h', /unsupported scheme/],
  ])('refuses %s', (value, expected) => {
    expect(parseDockerHost(value)).toMatch(expected);
  });
});

describe('EventLineParser', () => {
  const line = (action: string, id = 'abc') => JSON.stringify({ Type: 'container', Action: action, Actor: { ID: id, Attributes: { name: 'x' } } });
  it('joins events split across chunks and skips junk without failing', () => {
    const p = new EventLineParser();
    const whole = `${line('start')}\n${line('die', 'def')}\nnot json\n[1]\n${line('destroy')}\n`;
    const events = [whole.slice(0, 10), whole.slice(10, 77), whole.slice(77)].flatMap((c) => p.push(c));
    expect(events).toEqual([
      { type: 'container', action: 'start', id: 'abc' },
      { type: 'container', action: 'die', id: 'def' },
      { type: 'container', action: 'destroy', id: 'abc' },
    ]);
    expect(p.skipped).toBe(2);
  });
  it('drops an endless line instead of buffering it', () => {
    const p = new EventLineParser(100);
    expect(p.push('x'.repeat(150))).toEqual([]);
    expect(p.push(`\n${line('start')}\n`)).toEqual([{ type: 'container', action: 'start', id: 'abc' }]);
    expect(p.skipped).toBe(1);
  });
});
