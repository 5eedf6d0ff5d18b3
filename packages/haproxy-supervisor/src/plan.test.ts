import { describe, expect, it } from 'vitest';
import { planApply } from './plan.js';

const v = (id: string) => ({ id, files: [] });

describe('planApply', () => {
  it.each([
    ['not running: start', { running: false, live: v('a'), candidate: v('b') }, 'start'],
    ['not running, same version: still start', { running: false, live: v('a'), candidate: v('a') }, 'start'],
    ['running, same version: nothing', { running: true, live: v('a'), candidate: v('a') }, 'none'],
    ['running, changed: reload', { running: true, live: v('a'), candidate: v('b') }, 'reload'],
    ['running without live: reload', { running: true, live: null, candidate: v('b') }, 'reload'],
  ] as const)('%s', (_name, input, method) => {
    expect(planApply(input).method).toBe(method);
  });
});
