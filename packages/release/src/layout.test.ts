import { describe, expect, it } from 'vitest';
import { isReleaseId, releaseFolder, releaseMetaKey, releaseOfKey } from './layout.js';

describe('release layout', () => {
  it('places a release folder and its metadata side by side', () => {
    expect(releaseFolder('abc')).toBe('releases/abc/');
    expect(releaseMetaKey('abc')).toBe('releases/abc.json');
  });

  it.each([
    ['releases/abc.json', { id: 'abc', kind: 'meta' }],
    ['releases/abc/', { id: 'abc', kind: 'folder' }],
    ['releases/r-1.2.json', { id: 'r-1.2', kind: 'meta' }],
    ['releases/a/b.json', null],
    ['releases/.hidden/', null],
    ['releases/..json', null],
    ['releases/.json', null],
    ['releases/abc.txt', null],
    ['CURRENT', null],
    ['other/abc.json', null],
  ])('releaseOfKey(%j)', (key, expected) => expect(releaseOfKey(key)).toEqual(expected));

  it.each([
    ['abc', true],
    ['_x', true],
    ['r-2027-01-03.1', true],
    ['', false],
    ['..', false],
    ['.hidden', false],
    ['a/b', false],
    ['a\\b', false],
    ['x'.repeat(128), true],
    ['x'.repeat(129), false],
  ])('isReleaseId(%j) = %s', (id, ok) => expect(isReleaseId(id)).toBe(ok));
});
