import { describe, expect, it } from 'vitest';
import { MAX_CURRENT_BYTES, parseCurrent } from './current.js';

describe('parseCurrent', () => {
  it.each([
    ['{"release":"r-2027-01-03.1"}', { release: 'r-2027-01-03.1', meta: {} }],
    ['{"release":"abc123","commit":"deadbeef","publishedAt":"2027-01-03T10:00:00Z"}', { release: 'abc123', meta: { commit: 'deadbeef', publishedAt: '2027-01-03T10:00:00Z' } }],
    ['  {"release": "_x"}\n', { release: '_x', meta: {} }],
  ])('accepts %s', (body, expected) => {
    expect(parseCurrent(body, 'p/CURRENT')).toEqual(expected);
  });

  it.each([
    ['', 'not valid JSON'],
    ['{"release":', 'not valid JSON'],
    ['abc123', 'not valid JSON'],
    ['"abc"', 'expected a JSON object'],
    ['null', 'expected a JSON object'],
    ['["abc"]', 'expected a JSON object'],
    ['{}', 'field "release" is missing'],
    ['{"release":42}', 'field "release" is missing or not a string'],
    ['{"release":""}', 'not a single safe path segment'],
    ['{"release":".."}', 'not a single safe path segment'],
    ['{"release":".hidden"}', 'not a single safe path segment'],
    ['{"release":"a/b"}', 'not a single safe path segment'],
    ['{"release":"a\\\\b"}', 'not a single safe path segment'],
    ['{"release":"a\\nb"}', 'not a single safe path segment'],
    [`{"release":"${'x'.repeat(129)}"}`, 'not a single safe path segment'],
  ])('refuses %j (%s)', (body, why) => {
    expect(() => parseCurrent(body, 'p/CURRENT')).toThrow(why);
    try {
      parseCurrent(body, 'p/CURRENT');
    } catch (err) {
      expect(err).toMatchObject({ code: 'CURRENT_INVALID', context: { key: 'p/CURRENT' } });
      expect((err as Error).message).toContain('"p/CURRENT"');
    }
  });

  it('refuses an oversized pointer before parsing it', () => {
    const body = Buffer.alloc(MAX_CURRENT_BYTES + 1, 0x20);
    expect(() => parseCurrent(body, 'CURRENT')).toThrow(`larger than ${MAX_CURRENT_BYTES} bytes`);
  });
});
