import { describe, expect, it } from 'vitest';
import { encodeBatch, isRetryable } from './http-body.js';
import { ByteQueue } from './byte-queue.js';

const items = [
  { json: '{"a":1}', timeMs: 1700000000000 },
  { json: '{"b":2}', timeMs: 1700000000001 },
];

describe('encodeBatch', () => {
  it('ndjson', () => expect(encodeBatch(items, 'ndjson')).toEqual({ body: '{"a":1}\n{"b":2}\n', contentType: 'application/x-ndjson' }));
  it('elasticsearch _bulk', () => expect(encodeBatch(items, 'elasticsearch').body).toBe('{"create":{}}\n{"a":1}\n{"create":{}}\n{"b":2}\n'));
  it('loki push', () =>
    expect(JSON.parse(encodeBatch(items, 'loki').body)).toEqual({
      streams: [{ stream: { job: 'haproxy', source: 'log-shipper' }, values: [['1700000000000000000', '{"a":1}'], ['1700000000001000000', '{"b":2}']] }],
    }));
});

describe('isRetryable', () => {
  it.each<[number | undefined, boolean]>([[undefined, true], [500, true], [503, true], [429, true], [408, true], [400, false], [413, false], [404, false]])('%s', (s, r) =>
    expect(isRetryable(s)).toBe(r),
  );
});

describe('ByteQueue', () => {
  it('keeps a byte total and batches by bytes', () => {
    const q = new ByteQueue<string>();
    for (let i = 0; i < 10_000; i++) q.push(`i${i}`, 10);
    expect(q.bytes).toBe(100_000);
    expect(q.peekBytes(35)).toEqual(['i0', 'i1', 'i2']);
    expect(q.peekBytes(1)).toEqual(['i0']); // always at least one
    expect(q.drop(5000)).toBe(50_000);
    expect(q.length).toBe(5000);
    expect(q.peek()).toBe('i5000');
  });
});
