import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fieldKind, MAX_STATE_REFUSALS, RefusalLog } from './refusal-log.js';
import type { Refusal } from './sources/refusals.js';

const r = (query: string, instance: string, field = 'address'): Refusal => ({ query, service: 'web', instance, field, reason: 'bad' });

describe('RefusalLog', () => {
  const setup = () => {
    const logged: Array<Record<string, unknown>> = [];
    let changes = 0;
    const log = new RefusalLog({ warn: (fields) => logged.push(fields) }, () => changes++);
    const gauge = new Gauge({ name: 'g', help: 'h', labelNames: ['field'] as const, registers: [new Registry()] });
    return { log, logged, gauge, changes: () => changes };
  };

  it('logs a refusal once, keeps it while the answer repeats it, clears it when fixed', () => {
    const { log, logged, changes } = setup();
    log.set('q1', [r('q1', 'a')]);
    log.set('q1', [r('q1', 'a')]);
    expect(logged).toEqual([{ query: 'q1', service: 'web', instance: 'a', field: 'address', reason: 'bad' }]);
    expect(changes()).toBe(1);
    expect(log.snapshot()).toEqual({ refused: [r('q1', 'a')], refusedTotal: 1 });
    log.set('q1', []);
    expect(log.snapshot()).toEqual({ refused: [], refusedTotal: 0 });
    expect(changes()).toBe(2);
  });

  it('bounds the log per answer and the state list, counts all', () => {
    const { log, logged, gauge } = setup();
    const many = Array.from({ length: 120 }, (_, i) => r('q1', `i${i}`, i % 2 ? 'meta.weight' : 'tags[0]'));
    log.set('q1', many);
    expect(logged).toHaveLength(11);
    expect(logged.at(-1)).toEqual({ query: 'q1', more: 110 });
    const snap = log.report([{ id: 'q1' }], gauge);
    expect(snap.refused).toHaveLength(MAX_STATE_REFUSALS);
    expect(snap.refusedTotal).toBe(120);
  });

  it('report: forgets queries no longer used, sets the gauge for every field kind', async () => {
    const { log, gauge } = setup();
    log.set('q1', [r('q1', 'a'), r('q1', 'b', 'meta.x y')]);
    log.set('q2', [r('q2', 'c', 'port')]);
    log.report([{ id: 'q1' }], gauge);
    const values = Object.fromEntries((await gauge.get()).values.map((v) => [v.labels.field, v.value]));
    expect(values).toMatchObject({ address: 1, meta: 1, port: 0, tags: 0, value: 0 });
    expect(log.all().map((x) => x.instance)).toEqual(['a', 'b']);
  });

  it.each([
    ['address', 'address'],
    ['meta.weight', 'meta'],
    ['meta key "x\\\\n"', 'meta'],
    ['tags[12]', 'tags'],
    ['node.name', 'node.name'],
    ['value', 'value'],
    ['Weird', 'other'],
  ])('fieldKind(%s) = %s', (field, kind) => {
    expect(fieldKind(field)).toBe(kind);
  });
});
