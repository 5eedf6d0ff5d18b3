#!/usr/bin/env node
/**
 * The consul-template-style peer of bench/peers.ts, as a process of its own so its RSS and
 * CPU can be read: one blocking query per dependency (the catalog's service list and
 * `/v1/health/service/<name>?passing` per service, as consul-template does), a full render
 * of the whole template on every change, write, `haproxy -c`, then a reload of a
 * master-worker HAProxy it started (SIGUSR2, like `kill -USR2 $(cat haproxy.pid)` in a
 * consul-template `command`). Unchanged output: nothing written, no reload (consul-template
 * runs its command only when the file changed). Changes that arrive during a pass are
 * coalesced into the next pass. Not part of the product: a yardstick.
 *
 * Env: CONSUL_HTTP_ADDR (host:port), TEMPLATE (file), OUT_DIR (haproxy.cfg, haproxy.pid),
 * HTTP_BIND (for {{env "HTTP_BIND"}}), HAPROXY_BIN (haproxy). One JSON line per pass on stdout.
 */
import { spawn, execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(new URL('../packages/renderer/package.json', import.meta.url));
const Handlebars = require('handlebars');

const consul = process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
const [consulHost, consulPort] = consul.split(':');
const outDir = process.env.OUT_DIR ?? '.';
const haproxyBin = process.env.HAPROXY_BIN ?? 'haproxy';
const cfg = join(outDir, 'haproxy.cfg');
const pidFile = join(outDir, 'haproxy.pid');
const agent = new Agent({ keepAlive: true });

/** Query path -> last answer (parsed JSON); a missing entry means "not answered yet". */
const cache = new Map();
/** Query path -> true while its blocking loop runs. */
const watching = new Map();
let stopped = false;

function get(path, index) {
  const sep = path.includes('?') ? '&' : '?';
  const full = index ? `${path}${sep}index=${index}&wait=300s` : path;
  return new Promise((resolve, reject) => {
    const req = request({ host: consulHost, port: Number(consulPort), path: full, agent, timeout: 330_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve({ index: res.headers['x-consul-index'], body: JSON.parse(body) }) : reject(new Error(`${full}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** One blocking-query loop per dependency, as consul-template's watcher runs them. */
async function watch(path) {
  if (watching.has(path)) return;
  watching.set(path, true);
  let index;
  while (!stopped && watching.get(path)) {
    try {
      const answer = await get(path, index);
      if (answer.index !== index) {
        index = answer.index;
        cache.set(path, answer.body);
        schedule();
      }
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const healthPath = (name) => `/v1/health/service/${encodeURIComponent(name)}?passing=1`;
const SERVICES = '/v1/catalog/services';

const hb = Handlebars.create();
let missing = false;
hb.registerHelper('services', () => {
  const list = cache.get(SERVICES);
  if (!list) return (missing = true), [];
  return Object.keys(list)
    .sort()
    .map((name) => ({ name, tags: list[name] }));
});
hb.registerHelper('service', (name) => {
  const path = healthPath(name);
  void watch(path);
  const entries = cache.get(path);
  if (!entries) return (missing = true), [];
  return entries.map((e) => ({ id: e.Service.ID, name: e.Service.Service, address: e.Service.Address || e.Node.Address, port: e.Service.Port }));
});
hb.registerHelper('haproxyId', (s) => String(s).replace(/[^A-Za-z0-9_.:-]/g, '_'));
hb.registerHelper('env', (name) => process.env[name] ?? '');

let template;
let master;
let running = false;
let dirty = false;
let last = '';
const counters = { passes: 0, writes: 0, checks: 0, reloads: 0, checkFailures: 0 };

function schedule() {
  dirty = true;
  if (!running) void pass();
}

function check(file) {
  return new Promise((resolve) => execFile(haproxyBin, ['-c', '-q', '-f', file], (err) => resolve(!err)));
}

async function pass() {
  running = true;
  while (dirty && !stopped) {
    dirty = false;
    counters.passes++;
    missing = false;
    const text = template({});
    // A pass that met an unanswered query is not published (consul-template's rule).
    if (missing || text === last) continue;
    const tmp = `${cfg}.tmp`;
    await writeFile(tmp, text);
    counters.checks++;
    if (!(await check(tmp))) {
      counters.checkFailures++;
      continue;
    }
    await rename(tmp, cfg);
    counters.writes++;
    last = text;
    if (!master) {
      // The master stays in the foreground as our child; its pid is what `kill -USR2` would read.
      // Its own session, as a daemonized or supervised HAProxy has (see Haproxy in peers-contenders.ts).
      master = spawn(haproxyBin, ['-W', '-f', cfg], { stdio: 'ignore', detached: true });
      master.on('exit', () => (master = undefined));
      await writeFile(pidFile, String(master.pid));
    } else {
      master.kill('SIGUSR2');
      counters.reloads++;
    }
    console.log(JSON.stringify({ msg: 'pass', ...counters, watches: watching.size }));
  }
  running = false;
}

process.on('SIGTERM', () => {
  stopped = true;
  agent.destroy();
  if (master) {
    master.once('exit', () => process.exit(0));
    master.kill('SIGTERM');
  } else process.exit(0);
});

template = hb.compile(await readFile(process.env.TEMPLATE, 'utf8'), { noEscape: true, strict: false });
void watch(SERVICES);
