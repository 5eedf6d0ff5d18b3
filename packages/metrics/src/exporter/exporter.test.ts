import { describe, expect, it } from 'vitest';
import { HaproxyExporter } from './exporter.js';
import { renderExporter, renderExporterAsync } from './render.js';
import { parseInfo, parseStatCsv, splitCsvLine } from './stat-csv.js';
import { statusValue } from './families.js';

/** `show stat` and `show info` as HAProxy 2.6.12 printed them (trimmed to a few proxies). */
const SHOW_STAT_26 = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,
fe,FRONTEND,,,3,3101,9985,3101,410,5020,1,0,2,,,,,OPEN,,,,,,,,,1,2,0,,,,0,1141,0,1665,,,,0,3090,0,11,0,0,,1141,1665,3101,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,1140,1666,3102,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3101,3101,3101,3101,253343,0,0,0,
be,s1,0,7,2,3101,,3101,400,5000,,0,,4,1,2,0,UP,1,1,0,5,1,2,12,,1,3,1,,3101,,2,1141,,1665,L4OK,,3,0,3090,0,0,2,0,,,,0,1,0,,,,,0,,,1,2,30,45,,,,Layer4 check passed,,2,3,4,,,,127.0.0.1:18081,,http,,,,,,,,0,3101,0,,,0,,0,0,0,0,0,0,0,3101,3101,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
be,"s,2",0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,,,2,,,1,3,2,,0,,2,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:18082,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
be,BACKEND,0,0,2,3101,999,3101,400,5000,0,0,,4,1,2,0,UP,1,1,0,,0,2,0,,1,3,0,,3101,,1,1141,,1665,,,,0,3090,0,0,2,0,,,,0,1,0,0,0,0,0,0,,,1,2,30,45,,,,,,,,,,,,,http,roundrobin,,,,,,,0,3101,0,0,0,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,3101,3101,3101,3101,0,200502,0,0,
`;

const SHOW_INFO_26 = `Name: HAProxy
Version: 2.6.12-1+deb12u4
Release_date: 2026/10/17
Nbthread: 2
Pid: 6744
Idle_pct: 97
`;

describe('splitCsvLine', () => {
  it.each([
    ['a,b,c,', ['a', 'b', 'c']],
    ['a,,', ['a', '']],
    ['a,b', ['a', 'b']],
    ['"x,y",b,', ['x,y', 'b']],
    ['a,"say ""hi""",', ['a', 'say "hi"']],
    ['a,"",c', ['a', '', 'c']],
    ['a,"open,', undefined],
    ['a,"x"y,', undefined],
  ])('%j', (line, want) => {
    expect(splitCsvLine(line)).toEqual(want);
  });
});

describe('parseStatCsv', () => {
  it('maps columns by header name and keeps every row', () => {
    const table = parseStatCsv(SHOW_STAT_26);
    expect(table.columns.get('pxname')).toBe(0);
    expect(table.columns.get('type')).toBe(32);
    expect(table.columns.get('conn_tot')).toBe(79);
    expect(table.rows.map((r) => `${r[0]}/${r[1]}`)).toEqual(['fe/FRONTEND', 'be/s1', 'be/s,2', 'be/BACKEND']);
    expect(table.failures).toBe(0);
  });
  it('counts short rows and refuses a body without header', () => {
    const table = parseStatCsv(`${SHOW_STAT_26}broken,row,\n`);
    expect(table.failures).toBe(1);
    expect(() => parseStatCsv('')).toThrow(/header/);
    expect(() => parseStatCsv('Unknown command\n')).toThrow(/header/);
  });
});

describe('statusValue', () => {
  it.each([
    ['UP', 1], ['UP 1/3', 1], ['OPEN', 1], ['no check', 1], ['DRAIN', 1],
    ['DOWN', 0], ['DOWN 1/2', 0], ['NOLB', 0], ['MAINT', 0], ['MAINT (via be/s1)', 0], ['', 0],
  ])('%j -> %d', (status, want) => {
    expect(statusValue(status)).toBe(want);
  });
});

describe('renderExporter', () => {
  const render = () =>
    renderExporter({ stat: parseStatCsv(SHOW_STAT_26), info: parseInfo(SHOW_INFO_26) }, { scrapes: 3, csvParseFailures: 1 }).text;
  const sample = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it.each([
    ['haproxy_up', 1],
    ['haproxy_frontend_sessions_total{frontend="fe"}', 3101],
    ['haproxy_frontend_connections_total{frontend="fe"}', 3102],
    ['haproxy_frontend_bytes_in_total{frontend="fe"}', 410],
    ['haproxy_frontend_requests_denied_total{frontend="fe"}', 1],
    ['haproxy_frontend_request_errors_total{frontend="fe"}', 2],
    ['haproxy_frontend_http_requests_total{frontend="fe"}', 3101],
    ['haproxy_frontend_http_responses_total{code="2xx",frontend="fe"}', 3090],
    ['haproxy_frontend_http_responses_total{code="4xx",frontend="fe"}', 11],
    ['haproxy_backend_up{backend="be"}', 1],
    ['haproxy_backend_current_server{backend="be"}', 1],
    ['haproxy_backend_connection_errors_total{backend="be"}', 4],
    ['haproxy_backend_http_responses_total{backend="be",code="5xx"}', 2],
    ['haproxy_backend_http_total_time_average_seconds{backend="be"}', 0.045],
    ['haproxy_server_up{backend="be",server="s1"}', 1],
    ['haproxy_server_up{backend="be",server="s,2"}', 0],
    ['haproxy_server_max_queue{backend="be",server="s1"}', 7],
    ['haproxy_server_check_failures_total{backend="be",server="s1"}', 5],
    ['haproxy_server_downtime_seconds_total{backend="be",server="s1"}', 12],
    ['haproxy_server_check_duration_seconds{backend="be",server="s1"}', 0.003],
    ['haproxy_server_server_selected_total{backend="be",server="s1"}', 3101],
    ['haproxy_server_http_responses_total{backend="be",code="2xx",server="s1"}', 3090],
    ['haproxy_version_info{release_date="2026/10/17",version="2.6.12-1+deb12u4"}', 1],
    ['haproxy_process_idle_time_percent', 97],
    ['haproxy_exporter_scrapes_total', 3],
    ['haproxy_exporter_csv_parse_failures_total', 1],
  ])('%s = %d', (series, want) => {
    expect(sample(render(), series)).toBe(want);
  });

  it('writes one HELP/TYPE per family, counters typed as counters', () => {
    const text = render();
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain('# TYPE haproxy_server_http_responses_total counter');
    expect(types).toContain('# TYPE haproxy_backend_current_queue gauge');
    for (const t of types) expect(t.endsWith('_total counter') || !t.includes('_total ')).toBe(true);
  });

  it('a missing stat answer is haproxy_up 0 and no HAProxy families', () => {
    const { text } = renderExporter({ stat: null, info: parseInfo(SHOW_INFO_26) }, { scrapes: 1, csvParseFailures: 0 });
    expect(sample(text, 'haproxy_up')).toBe(0);
    expect(text).not.toMatch(/haproxy_(frontend|backend|server|version)_/);
  });
});

describe('HaproxyExporter', () => {
  it('answers haproxy_up 0 when the socket fails, and shares one scrape between concurrent callers', async () => {
    let calls = 0;
    let fail = true;
    const exporter = new HaproxyExporter({
      socketPath: '/nonexistent',
      timeoutMs: 10,
      query: async (_path, command) => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        if (fail) throw new Error('ECONNREFUSED');
        return command === 'show stat' ? SHOW_STAT_26 : SHOW_INFO_26;
      },
    });
    expect(await exporter.collect()).toContain('haproxy_up 0\n');
    expect((exporter.lastError as Error).message).toBe('ECONNREFUSED');
    fail = false;
    calls = 0;
    const [a, b] = await Promise.all([exporter.collect(), exporter.collect()]);
    expect(a).toBe(b);
    expect(calls).toBe(2); // show info + show stat, once
    expect(a).toContain('haproxy_up 1\n');
    expect(a).toContain('haproxy_exporter_scrapes_total 2\n');
  });
});

describe('renderExporterAsync', () => {
  it('renders the same text as the synchronous render while yielding between rows', async () => {
    const scrape = { stat: parseStatCsv(SHOW_STAT_26), info: parseInfo(SHOW_INFO_26) };
    const counters = { scrapes: 1, csvParseFailures: 0 };
    expect((await renderExporterAsync(scrape, counters, 1)).text).toBe(renderExporter(scrape, counters).text);
  });
});
