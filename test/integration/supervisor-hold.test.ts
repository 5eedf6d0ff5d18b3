import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCandidate, validateCandidate } from '../../packages/haproxy-supervisor/src/candidate.js';
import { checkGlobal, GLOBAL_FILE } from '../../packages/haproxy/src/index.js';

/**
 * The hold rounds of the supervisor's check against the real `haproxy -c` (no HAProxy
 * is started): which files are held, what runs in their place, and when the whole
 * version is rejected instead.
 */
const f = (path: string, text: string) => ({ path, data: Buffer.from(text, 'utf8') });
const DEFAULTS = 'defaults\n  mode http\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\n';
const WEB = `${DEFAULTS}\nfrontend web\n  bind 127.0.0.1:1\n  default_backend app\n\nbackend app\n  server a 127.0.0.1:2\n`;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'supervisor-hold-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
async function judge(rendered: Record<string, string>, live: Record<string, string> | null) {
  const dir = join(scratch, `r${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [path, text] of Object.entries(rendered)) await writeFile(join(dir, path), text);
  const globalText = checkGlobal(scratch);
  const liveFiles = live ? Object.entries(live).map(([p, t]) => f(p, t)) : null;
  const built = await buildCandidate({ rendered: { id: `r${n}`, dir }, globalText, live: liveFiles, liveJudged: true });
  if (!built.ok) throw built.error;
  const checked = await validateCandidate({ bin: 'haproxy', scratchRoot: scratch, candidate: built.candidate });
  const runs = checked.candidate ? Object.fromEntries(checked.candidate.files.filter((x) => x.path !== GLOBAL_FILE).map((x) => [x.path, Buffer.from(x.data).toString('utf8')])) : {};
  return { checked, held: checked.candidate?.held.map((h) => `${h.file}:${h.line ?? '-'} ${h.code} ${h.runs}`) ?? [], runs };
}

describe('supervisor: per-file hold against the real haproxy -c', () => {
  it('a broken file never live is left out; the rest passes', async () => {
    const r = await judge({ '20-web.cfg': WEB, '50-a.cfg': 'backend a\n  balanse x\n' }, null);
    expect(r.checked.valid).toBe(true);
    expect(r.held).toEqual(['50-a.cfg:2 HAPROXY_CHECK none']);
    expect(Object.keys(r.runs)).toEqual(['20-web.cfg']);
    expect(r.checked.invalid).toBe(1);
  });

  it('a broken file that was live runs its live copy', async () => {
    const r = await judge({ '20-web.cfg': WEB, '50-a.cfg': 'backend a\n  balanse x\n' }, { '20-web.cfg': WEB, '50-a.cfg': 'backend a\n  balance roundrobin\n' });
    expect(r.held).toEqual(['50-a.cfg:2 HAPROXY_CHECK live']);
    expect(r.runs['50-a.cfg']).toBe('backend a\n  balance roundrobin\n');
  });

  it('a live copy that fails with the new files is left out too (second round)', async () => {
    // 50-x breaks; its live copy tracks a server of 30-gone.cfg, which this version removes.
    const r = await judge(
      { '20-web.cfg': WEB, '50-x.cfg': 'backend x\n  balanse y\n' },
      { '20-web.cfg': WEB, '30-gone.cfg': 'backend gone\n  server g 127.0.0.1:4 check\n', '50-x.cfg': 'backend x\n  server s 127.0.0.1:3 track gone/g\n' },
    );
    expect(r.checked.valid).toBe(true);
    expect(r.held).toEqual(['50-x.cfg:2 HAPROXY_CHECK none']);
    expect(Object.keys(r.runs).sort()).toEqual(['20-web.cfg']);
    expect(r.checked.invalid).toBe(2);
  });

  it('an alert naming only a proxy holds the file declaring it', async () => {
    const r = await judge({ '20-web.cfg': WEB.replace('default_backend app', 'default_backend nope') }, { '20-web.cfg': WEB });
    expect(r.held).toEqual(['20-web.cfg:7 HAPROXY_CHECK live']);
    expect(r.runs['20-web.cfg']).toBe(WEB);
  });

  it('policy and haproxy -c holds together', async () => {
    const r = await judge({ '20-web.cfg': WEB, '50-p.cfg': 'program p\n  command /bin/true\n', '50-a.cfg': 'backend a\n  balanse x\n' }, null);
    expect(r.held.sort()).toEqual(['50-a.cfg:2 HAPROXY_CHECK none', '50-p.cfg:1 POLICY_SECTION none']);
  });

  it('a broken policy.yaml is held; the live policy applies', async () => {
    const livePolicy = 'version: 1\nrules:\n  - files: ["*.cfg"]\n    sections: [defaults, frontend, backend]\n';
    const r = await judge({ '20-web.cfg': WEB, '50-u.cfg': 'userlist u\n', 'policy.yaml': 'version: 1\nrules: 3\n' }, { '20-web.cfg': WEB, 'policy.yaml': livePolicy });
    expect(r.held.sort()).toEqual(['50-u.cfg:1 POLICY_SECTION none', 'policy.yaml:2 POLICY_INVALID live']);
    expect(r.runs['policy.yaml']).toBe(livePolicy);
  });

  it('a stricter policy judges unchanged files again: a live file it now refuses is left out', async () => {
    const permissive = 'version: 1\nrules:\n  - files: ["*.cfg"]\n    sections: [defaults, frontend, backend]\n';
    const a = 'backend a\n  stats enable\n';
    const same = await judge({ '20-web.cfg': WEB, '50-a.cfg': a, 'policy.yaml': permissive }, { '20-web.cfg': WEB, '50-a.cfg': a, 'policy.yaml': permissive });
    expect(same.held).toEqual([]);
    // policy.yaml removed: the built-in default applies, which forbids `stats` in team files.
    const stricter = await judge({ '20-web.cfg': WEB, '50-a.cfg': a }, { '20-web.cfg': WEB, '50-a.cfg': a, 'policy.yaml': permissive });
    expect(stricter.held).toEqual(['50-a.cfg:2 POLICY_DIRECTIVE none']);
    expect(Object.keys(stricter.runs)).toEqual(['20-web.cfg']);
  });

  it('an alert placed only by HAProxy\'s summary holds that file (no line)', async () => {
    const r = await judge({ '20-web.cfg': WEB, '30-c.cfg': 'cache c\n  total-max-size 0\n' }, null);
    expect(r.checked.valid).toBe(true);
    expect(r.held).toEqual(['30-c.cfg:- HAPROXY_CHECK none']);
  });

  it('alerts that blame no rendered file reject the whole version', async () => {
    const r = await judge({ '20-web.cfg': WEB, '20-users.cfg': 'userlist u\n  group g users nobody\n' }, null);
    expect(r.checked.valid).toBe(false);
    if (r.checked.valid) return;
    expect(r.checked.error.code).toBe('CONFIG_INVALID');
    expect(r.checked.error.message).toContain("no such user 'nobody'");
    expect(r.checked.invalid).toBe(1);
  });
});
