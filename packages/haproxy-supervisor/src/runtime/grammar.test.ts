import { describe, expect, it } from 'vitest';
import { checkArg, checkCommand } from './grammar.js';

describe('checkCommand', () => {
  it.each([
    'add server app/web-1 10.0.0.1:8080',
    'add server app/web-1 10.0.0.1:8080 check inter 1s weight 10 pool-max-conn -1 pool-purge-delay 5s',
    'add server app/web-1 [fd00::1]:443 ssl verify required ca-file @system-ca sni req.hdr(host) alpn h2,http/1.1',
    'add server app/web-1 web.internal:80 maxconn 100 observe layer7 on-error mark-down ssl-min-ver TLSv1.2',
    'add server my.app:v2/srv_01 10.0.0.1:1 crt /etc/haproxy/certs/client.pem ciphers ECDHE+AESGCM:!aNULL:@STRENGTH',
    'add server app/a 10.0.0.1:80 track other/a agent-check agent-port 9999 agent-send ping proxy-v2-options ssl,cert-cn',
    'set server app/web-1 addr 10.0.0.2 port 8081',
    'set server app/web-1 addr fd00::2',
    'set server app/web-1 weight 0',
    'set server app/web-1 weight 256',
    'set server app/web-1 state maint',
    'del server app/web-1',
    'enable server app/web-1',
    'enable health app/web-1',
    'disable agent app/web-1',
  ])('sends %s', (line) => {
    expect(checkCommand(line)).toBeNull();
  });

  it.each([
    ['a second command after ";"', 'add server app/x 1.2.3.4:80 weight 1;new ssl ca-file /etc/passwd', /character/],
    ['";" inside a time', 'add server app/x 1.2.3.4:80 inter 1s;show ssl ca-file', /character/],
    ['";" alone as a token', 'add server app/x 1.2.3.4:80 check ; show info', /character/],
    ['a newline', 'add server app/x 1.2.3.4:80\nshow info', /character/],
    ['a carriage return', 'set server app/x weight 1\r', /character/],
    ['a NUL byte', 'del server app/x\0', /character/],
    ['a tab inside a value', 'add server app/x 1.2.3.4:80 agent-send a\tb', /character/],
    ['two spaces (an empty token)', 'add server app/x  1.2.3.4:80', /empty token/],
    ['a double quote', 'add server app/x 1.2.3.4:80 agent-send "a', /character/],
    ['a single quote', "add server app/x 1.2.3.4:80 sni 'x'", /character/],
    ['a comment sign', 'add server app/x 1.2.3.4:80 #check', /character/],
    ['a backslash escape', 'add server app/x 1.2.3.4:80 agent-send a\\;b', /character/],
    ['payload syntax', 'add server app/x 1.2.3.4:80 <<', /character/],
    ['a variable', 'add server app/x 1.2.3.4:80 crt /${HOME}/x', /character/],
    ['non-ASCII', 'add server app/wéb 1.2.3.4:80', /character/],
    ['an unknown command', 'show ssl ca-file', /not a command/],
    ['experimental mode', 'experimental-mode on', /not a command/],
    ['a keyword "add server" does not take', 'add server app/x 1.2.3.4:80 cookie x', /"cookie" is not allowed/],
    ['a prototype key as keyword', 'add server app/x 1.2.3.4:80 constructor x', /not allowed/],
    ['a flag used as value', 'add server app/x 1.2.3.4:80 inter check', /not an HAProxy time/],
    ['a keyword without its value', 'add server app/x 1.2.3.4:80 inter', /has no value/],
    ['a weight above 256', 'add server app/x 1.2.3.4:80 weight 257', /weight between 0 and 256/],
    ['a negative weight', 'set server app/x weight -1', /weight between/],
    ['a weight with a sign', 'set server app/x weight +5', /weight between/],
    ['port 0', 'add server app/x 1.2.3.4:0', /port between/],
    ['port 65536', 'set server app/x addr 1.2.3.4 port 65536', /port between/],
    ['an IPv4 literal out of range', 'add server app/x 1.2.3.999:80', /not an IP literal or hostname/],
    ['an address without port', 'add server app/x 1.2.3.4', /with a port/],
    ['an unbracketed IPv6 address', 'add server app/x fd00::1:80', /with a port/],
    ['a bracketed non-address', 'add server app/x [web]:80', /with a port/],
    ['a hostname in set server addr', 'set server app/x addr web.local', /not an IP literal/],
    ['a hostname label with "_"', 'add server app/x we_b.local:80', /not an IP literal or hostname/],
    ['a server name with a space-free slash', 'add server app/x/y 1.2.3.4:80', /backend\/server/],
    ['a server name with "+"', 'del server app/a+b', /identifier alphabet/],
    ['no backend', 'del server x', /backend\/server/],
    ['a name longer than 64', `del server app/${'a'.repeat(65)}`, /identifier alphabet/],
    ['a relative file path', 'add server app/x 1.2.3.4:80 ssl ca-file ca.pem', /absolute file path/],
    ['a path going up', 'add server app/x 1.2.3.4:80 crt /etc/../root/key.pem', /absolute file path/],
    ['an enum value outside its set', 'add server app/x 1.2.3.4:80 observe layer9', /one of none, layer4, layer7/],
    ['pool-max-conn -2', 'add server app/x 1.2.3.4:80 pool-max-conn -2', /integer or -1/],
    ['an unknown set server field', 'set server app/x fqdn evil.example', /not addr, weight or state/],
    ['an unknown state', 'set server app/x state up', /one of ready, drain, maint/],
    ['extra words after del server', 'del server app/x now', /unexpected arguments/],
    ['an extra word after weight', 'set server app/x weight 1 2', /expected "weight/],
    ['a very long line', `add server app/x 1.2.3.4:80${' check'.repeat(1000)}`, /longer than/],
  ])('refuses %s', (_name, line, reason) => {
    expect(checkCommand(line)).toMatch(reason);
  });
});

describe('checkArg', () => {
  it.each([
    ['time', '500ms', true], ['time', '1.5s', false], ['time', '', false], ['int', '007', false],
    ['int', '2147483648', false], ['hostname', 'a-b.example.com', true], ['hostname', '-a.example', false],
    ['sample', 'req.hdr(host),lower', true], ['sample', 'str(a b)', false], ['track', 'be/srv', true],
    ['track', 'a/b/c', false], ['proto-list', 'h2,,h1', false],
  ] as const)('%s %j -> %s', (type, value, ok) => {
    expect(checkArg(type, value) === null).toBe(ok);
  });

  it('quotes and escapes a hostile value in the reason (it is logged)', () => {
    expect(checkArg('int', '1\n[ALERT] forged')).toContain('"1\\n[ALERT] forged"');
  });
});
