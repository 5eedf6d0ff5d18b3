import { describe, expect, it } from 'vitest';
import { CheckedVersions } from './checked-versions.js';

describe('CheckedVersions', () => {
  it('remembers the newest ids up to its limit; a re-added id counts as new', () => {
    const checked = new CheckedVersions(2);
    checked.add('a');
    checked.add('b');
    checked.add('a');
    checked.add('c');
    expect(['a', 'b', 'c'].map((id) => checked.has(id))).toEqual([true, false, true]);
  });
});
