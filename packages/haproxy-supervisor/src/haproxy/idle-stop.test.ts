import { describe, expect, it } from 'vitest';
import { busyStreams } from './idle-stop.js';

// Lines as HAProxy 2.6.12 prints them (a stopping worker with one idle keep-alive client).
const CLI = '0x7f2e40039ce0: proto=sockpair src=unix:2 fe=GLOBAL be=<NONE> srv=<none> ts=00 epoch=0x1 age=0s calls=1 rate=0 cpu=0 lat=0 rq[f=c08000h,i=0,an=00h,rx=,wx=,ax=] rp[f=80008000h,i=0,an=00h,rx=,wx=,ax=] scf=[8,200h,fd=6] scb=[8,1h,fd=-1] exp= rc=0 c_exp=';
const HTTP = '0x55d93c8a1230: proto=tcpv4 src=127.0.0.1:41234 fe=http be=app srv=s1 ts=00 epoch=0 age=2s calls=4 rate=0 cpu=0 lat=0 rq[f=848000h,i=0,an=00h,rx=,wx=,ax=] rp[f=80048000h,i=0,an=00h,rx=,wx=,ax=] scf=[8,200h,fd=15] scb=[8,11h,fd=16] exp=28s rc=0 c_exp=';

describe('busyStreams', () => {
  it.each([
    ['only the CLI session: idle connections only', `${CLI}\n\n`, 0],
    ['one request in flight', `${HTTP}\n${CLI}\n`, 1],
    ['two requests in flight', `${HTTP}\n${HTTP.replace('0x55d93c8a1230', '0x55d93c8a9999')}\n${CLI}\n`, 2],
    ['an empty answer', '', 0],
    ['an error line is no stream', 'Unknown command.\n', 0],
  ])('%s', (_name, text, expected) => {
    expect(busyStreams(text)).toBe(expected);
  });
});
