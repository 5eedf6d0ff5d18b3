import { describe, expect, it } from 'vitest';
import { orderLogFiles } from './rotated-files.js';

describe('orderLogFiles', () => {
  it.each([
    [['haproxy.log'], ['haproxy.log']],
    [['haproxy.log.2.gz', 'haproxy.log', 'haproxy.log.1.gz'], ['haproxy.log', 'haproxy.log.1.gz', 'haproxy.log.2.gz']],
    // mid-compression: the plain file and its gzip twin, plain first
    [['haproxy.log.1.gz', 'haproxy.log.1', 'haproxy.log'], ['haproxy.log', 'haproxy.log.1', 'haproxy.log.1.gz']],
    // numeric, not lexical, order
    [['haproxy.log.10.gz', 'haproxy.log.9.gz', 'haproxy.log.2'], ['haproxy.log.2', 'haproxy.log.9.gz', 'haproxy.log.10.gz']],
    // temp files, other logs and odd names are not ours
    [['haproxy.log.1.gz.tmp', 'haproxy.log.0', 'haproxy.logx', 'other.log', 'haproxy.log.1.gz'], ['haproxy.log.1.gz']],
  ])('%j -> %j', (names, ordered) => expect(orderLogFiles(names, 'haproxy.log')).toEqual(ordered));
});
