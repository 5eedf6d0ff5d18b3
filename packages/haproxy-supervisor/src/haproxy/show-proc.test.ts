import { describe, expect, it } from 'vitest';
import { judgeReload, parseShowProc, type ProcTable } from './show-proc.js';

const TWO_WORKERS = `#<PID>          <type>          <reloads>       <uptime>        <version>
719             master          2 [failed: 1]   0d00h01m52s     2.6.12-1+deb12u4
# workers
1400            worker          0               0d00h00m01s     2.6.12-1+deb12u4
1295            worker          1               0d00h01m35s     2.6.12-1+deb12u4
# programs

`;

describe('parseShowProc', () => {
  it('reads master and workers', () => {
    expect(parseShowProc(TWO_WORKERS)).toEqual({
      master: { pid: 719, reloads: 2, failedReloads: 1, uptime: '0d00h01m52s', version: '2.6.12-1+deb12u4' },
      workers: [
        { pid: 1400, reloads: 0, uptime: '0d00h00m01s', version: '2.6.12-1+deb12u4' },
        { pid: 1295, reloads: 1, uptime: '0d00h01m35s', version: '2.6.12-1+deb12u4' },
      ],
    });
  });
  it.each([[''], ['Unknown command.\n'], ['# workers\n1 worker 0 0d 2.6\n']])('no master line: null (%j)', (text) => {
    expect(parseShowProc(text)).toBeNull();
  });
});

const table = (reloads: number, failed: number, workers: Array<[number, number]>, pid = 10): ProcTable => ({
  master: { pid, reloads, failedReloads: failed, uptime: '', version: '' },
  workers: workers.map(([p, r]) => ({ pid: p, reloads: r, uptime: '', version: '' })),
});

describe('judgeReload', () => {
  it.each([
    ['not yet re-executed', table(3, 0, [[20, 0]]), table(3, 0, [[20, 0]]), { done: false }],
    ['new worker up', table(3, 0, [[20, 0]]), table(4, 0, [[21, 0], [20, 1]]), { done: true, ok: true, worker: { pid: 21, reloads: 0, uptime: '', version: '' } }],
    ['failed count grew', table(3, 0, [[20, 0]]), table(4, 1, [[20, 1]]), { done: true, ok: false }],
    ['a different master', table(3, 0, [[20, 0]]), table(0, 0, [[30, 0]], 11), { done: true, ok: false }],
  ])('%s', (_name, before, after, expected) => {
    expect(judgeReload(before, after)).toEqual(expected);
  });
});
