import { describe, expect, it } from 'vitest';
import { PipelineError } from '@api-server/core';
import { isFolderMarker, keyToPath, unsafeReason } from './keys.js';

describe('unsafeReason', () => {
  const cases: Array<[key: string, prefix: string, reason: ReturnType<typeof unsafeReason>]> = [
    ['p/a.cfg', 'p/', null],
    ['p/dir/50-team.cfg.hbs', 'p/', null],
    ['a.cfg', '', null],
    ['p/.hidden', 'p/', null],
    ['p/100%.txt', 'p/', null], // malformed percent sequence: a literal name
    ['p/a%20b', 'p/', null], // decodes to "a b": harmless
    ['p/%252e%252e/x', 'p/', null], // decodes once to "%2e%2e": a literal name on disk
    ['p/..foo/..bar', 'p/', null],
    ['p/räksmörgås.cfg', 'p/', null],
    ['other/a.cfg', 'p/', 'outside the prefix'],
    ['p/', 'p/', 'empty path'],
    ['p/../x', 'p/', 'dot segment'],
    ['p/a/../../x', 'p/', 'dot segment'],
    ['../x', '', 'dot segment'],
    ['p/./x', 'p/', 'dot segment'],
    ['p/a/..', 'p/', 'dot segment'],
    ['/etc/passwd', '', 'absolute path'],
    ['p//etc/passwd', 'p/', 'absolute path'],
    ['p/a//b', 'p/', 'empty segment'],
    ['p/a/', 'p/', 'empty segment'],
    ['p/a\\..\\b', 'p/', 'backslash'],
    ['p/a\nb', 'p/', 'control character'],
    ['p/a\u0000b', 'p/', 'control character'],
    ['p/a\u007fb', 'p/', 'control character'],
    ['p/a\u0085b', 'p/', 'control character'],
    ['p/a\tb', 'p/', 'control character'],
    ['p/a/%2e%2e/b', 'p/', 'percent-encoded dot segment or separator'],
    ['p/%2E%2E/b', 'p/', 'percent-encoded dot segment or separator'],
    ['p/%2e/b', 'p/', 'percent-encoded dot segment or separator'],
    ['p/.%2e/b', 'p/', 'percent-encoded dot segment or separator'],
    ['p/a%2f..%2fb', 'p/', 'percent-encoded dot segment or separator'],
    ['p/a%5cb', 'p/', 'percent-encoded dot segment or separator'],
    ['p/a%0ab', 'p/', 'percent-encoded dot segment or separator'],
    [`p/${'x'.repeat(256)}`, 'p/', 'segment longer than 255 bytes'],
    [`p/${'é'.repeat(128)}`, 'p/', 'segment longer than 255 bytes'],
  ];
  it.each(cases)('%j under %j -> %s', (key, prefix, reason) => {
    expect(unsafeReason(key, prefix)).toBe(reason);
  });
});

describe('keyToPath', () => {
  it('returns the path relative to the prefix', () => {
    expect(keyToPath('p/sub/a.cfg', 'p/')).toBe('sub/a.cfg');
  });

  it('throws UNSAFE_KEY naming the key and the reason', () => {
    const err = (() => {
      try {
        keyToPath('p/../x', 'p/');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'UNSAFE_KEY', context: { key: 'p/../x', reason: 'dot segment' } });
    expect((err as Error).message).toContain('"p/../x"');
  });

  it('shows a control character escaped in the message', () => {
    expect(() => keyToPath('p/a\nb', 'p/')).toThrow('"p/a\\nb"');
  });
});

describe('isFolderMarker', () => {
  it.each([
    ['p/dir/', 0, true],
    ['p/dir/', 3, false],
    ['p/file', 0, false],
  ] as const)('%j size %d -> %s', (key, size, expected) => {
    expect(isFolderMarker(key, size)).toBe(expected);
  });
});
