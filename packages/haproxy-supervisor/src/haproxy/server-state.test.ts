import { describe, expect, it } from 'vitest';
import { configuredServers, filterServerState } from './server-state.js';

const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });
const HEADER = '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';
const row = (be: string, srv: string, addr: string, port: number) => `3 ${be} 1 ${srv} ${addr} 2 0 1 1 5 6 3 3 6 0 0 0 - ${port} - 0 0 - - 0`;

describe('filterServerState', () => {
  const servers = configuredServers([
    f('50-web.cfg', 'backend app\n  server same 10.0.0.1:80\n  server moved 10.0.0.2:81\n  server named web.local:80\n'),
    f('maps/x.cfg', 'backend ignored\n  server x 1.1.1.1:1\n'),
  ]);
  it.each([
    ['same address: kept', row('app', 'same', '10.0.0.1', 80), true],
    ['port changed in config: dropped', row('app', 'moved', '10.0.0.2', 80), false],
    ['address changed in config: dropped', row('app', 'moved', '10.0.0.9', 81), false],
    ['no longer configured: dropped', row('app', 'gone', '10.0.0.3', 80), false],
    ['configured by name: kept (resolution decides)', row('app', 'named', '10.0.0.7', 80), true],
    ['unknown backend: kept', row('other', 'x', '10.0.0.1', 80), true],
  ])('%s', (_name, line, kept) => {
    const out = filterServerState(`${HEADER}\n${line}\n`, servers);
    expect(out.startsWith(HEADER)).toBe(true);
    expect(out.includes(line)).toBe(kept);
  });
});
