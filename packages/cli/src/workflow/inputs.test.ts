import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCatalog } from './catalog.js';
import { caretLine, formatGithub, formatText, rebase } from './diagnostics.js';
import { readRepo } from './read-repo.js';
import { firstInvalidUtf8 } from './utf8.js';

describe('firstInvalidUtf8', () => {
  it.each([
    ['plain ascii', Buffer.from('a\nb'), null],
    ['valid multibyte', Buffer.from('café\n€'), null],
    ['latin-1 on line 2', Buffer.from([0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a]), { line: 2, column: 4, byte: 0xe9 }],
    ['truncated sequence', Buffer.from([0x61, 0xe2, 0x82]), { line: 1, column: 2, byte: 0xe2 }],
    ['overlong', Buffer.from([0xc0, 0x80]), { line: 1, column: 1, byte: 0xc0 }],
  ])('%s', (_, data, want) => expect(firstInvalidUtf8(data)).toEqual(want));
});

describe('parseCatalog', () => {
  it('reads YAML with env and defaults', () => {
    const c = parseCatalog('services:\n  web:\n    - { address: 10.0.0.1, port: 80 }\nenv:\n  HTTP_BIND: ":80"\n', 'c.yaml');
    expect(c).toEqual({ fixture: { services: { web: [{ address: '10.0.0.1', port: 80 }] } }, env: { HTTP_BIND: ':80' } });
    expect(parseCatalog('', 'empty.yaml')).toEqual({ fixture: {}, env: {} });
  });
  it.each([
    ['service:\n  web: []\n', /service: Unrecognized key|Unrecognized key.*service/],
    ['services:\n  web:\n    - { address: x, port: 99999 }\n', /services\.web\.0\.port/],
    ['{ nope', /not valid YAML/],
  ])('refuses %j', (text, message) => {
    expect(() => parseCatalog(text, 'c.yaml')).toThrow(message);
  });
});

describe('diagnostic formats', () => {
  const d = [
    { severity: 'warning' as const, code: 'B', file: 'b.cfg', line: 2, message: 'later' },
    { severity: 'error' as const, code: 'A', file: 'a.hbs', line: 3, column: 5, message: 'bad, really: 100%', excerpt: '\tx  bad' },
  ];
  it('text: file:line:col: severity: message [code], excerpt and caret', () => {
    expect(formatText(d)).toBe('a.hbs:3:5: error: bad, really: 100% [A]\n    \tx  bad\n    \t   ^\nb.cfg:2: warning: later [B]');
    expect(caretLine('ab', 1)).toBe('^');
  });
  it('github: workflow commands with escaped properties', () => {
    expect(formatGithub(d).split('\n')[0]).toBe('::error file=a.hbs,line=3,col=5,title=A::bad, really: 100%25');
  });
  it('rebase prefixes the directory given on the command line', () => {
    expect(rebase(d, 'templates/').map((x) => x.file)).toEqual(['templates/b.cfg', 'templates/a.hbs']);
    expect(rebase(d, '.').map((x) => x.file)).toEqual(['b.cfg', 'a.hbs']);
  });
});

describe('readRepo', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'apictl-repo-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads the tree sorted, skipping dotfiles and markdown, following links inside', async () => {
    await mkdir(join(root, 'maps'));
    await mkdir(join(root, '.git'));
    await writeFile(join(root, 'maps/hosts.map'), 'a b\n');
    await writeFile(join(root, '50-web.cfg.hbs'), 'backend web\n');
    await writeFile(join(root, 'README.md'), '# doc');
    await writeFile(join(root, '.git/config'), 'x');
    await symlink('hosts.map', join(root, 'maps/alias.map'));
    const { files, diagnostics } = await readRepo(root);
    expect(diagnostics).toEqual([]);
    expect(files.map((f) => f.path)).toEqual(['50-web.cfg.hbs', 'maps/alias.map', 'maps/hosts.map']);
  });

  it('refuses links leaving the repository, huge files (unread), non-UTF-8 text, too many files', async () => {
    await symlink('/etc/hostname', join(root, 'escape.map'));
    await symlink('/nonexistent/x', join(root, 'broken.map'));
    await mkdir(join(root, 'sub'));
    await symlink('sub', join(root, 'dirlink'));
    await writeFile(join(root, 'big.map'), '');
    await truncate(join(root, 'big.map'), 100 * 1024 * 1024); // sparse: costs no disk
    await writeFile(join(root, 'latin1.cfg'), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
    await writeFile(join(root, 'bin.dat'), Buffer.from([0xff, 0xfe]));
    const { files, diagnostics } = await readRepo(root, { maxFileBytes: 10 * 1024 * 1024, maxFiles: 0 });
    expect(diagnostics.map((d) => `${d.file} ${d.code}${d.line ? `@${d.line}:${d.column}` : ''}`).sort()).toEqual([
      '. REPO_TOO_MANY_FILES',
      'big.map REPO_FILE_TOO_LARGE',
      'broken.map REPO_SYMLINK_BROKEN',
      'dirlink REPO_SYMLINK_DIR',
      'escape.map REPO_SYMLINK_ESCAPES',
      'latin1.cfg REPO_NOT_UTF8@1:3',
    ]);
    expect(files.map((f) => f.path)).toEqual(['bin.dat']);
  });
});
