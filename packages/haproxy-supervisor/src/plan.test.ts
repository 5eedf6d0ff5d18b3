import { describe, expect, it } from 'vitest';
import { planApply } from './plan.js';

const f = (text: string) => [{ path: '50-web.cfg', data: Buffer.from(text, 'utf8') }];
const v = (id: string, text = 'backend app\n  server a 10.0.0.1:80\n') => ({ id, files: f(text) });

describe('planApply', () => {
  it.each([
    ['not running: start', { running: false, live: v('a'), candidate: v('b') }, 'start'],
    ['not running, same version: still start', { running: false, live: v('a'), candidate: v('a') }, 'start'],
    ['running, same version: nothing', { running: true, live: v('a'), candidate: v('a') }, 'none'],
    ['running, a server added: runtime', { running: true, live: v('a'), candidate: v('b', 'backend app\n  server a 10.0.0.1:80\n  server b 10.0.0.2:80\n') }, 'runtime'],
    ['running, an option changed: reload', { running: true, live: v('a'), candidate: v('b', 'backend app\n  balance first\n  server a 10.0.0.1:80\n') }, 'reload'],
    ['running without live: reload', { running: true, live: null, candidate: v('b') }, 'reload'],
  ] as const)('%s', (_name, input, method) => {
    expect(planApply(input).method).toBe(method);
  });

  it('says why', () => {
    expect(planApply({ running: true, live: v('a'), candidate: v('b', 'backend app\n  server b 10.0.0.2:80\n') }).reason).toBe('servers only: 1 added, 1 removed');
  });
});
