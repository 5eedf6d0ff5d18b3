import type { Policy } from './schema.js';

/**
 * Global-section keywords of HAProxy 2.6 that run or load code, change privileges,
 * open sockets, read files or change how the supervisor runs HAProxy. No rendered file
 * has a `global` section under the default policy; this list still holds wherever a
 * policy.yaml allows one (with `only`, as the example's `localpeer`).
 */
const GLOBAL_FORBIDDEN: readonly string[] = [
  'stats', 'lua-*', 'tune.lua.*', 'external-check', 'insecure-*', 'setenv', 'presetenv', 'resetenv', 'unsetenv',
  'ssl-engine', 'ssl-dh-param-file', 'ssl-load-extra-*', 'master-worker', 'mworker-max-reloads', 'user', 'group',
  'uid', 'gid', 'chroot', 'daemon', 'pidfile', 'set-dumpable', 'expose-experimental-directives', 'hard-stop-after',
  'server-state-file', 'server-state-base', 'ca-base', 'crt-base', 'nbthread', 'cpu-map', 'thread-groups',
  'h1-case-adjust-file', '51degrees-*', 'wurfl-*', 'deviceatlas-*', 'log', 'log-send-hostname', 'node',
  'description', 'unix-bind', 'httpclient.*', 'numa-cpu-mapping', 'profiling.*', 'limited-quic', 'anonkey',
];

/**
 * Directives no file may use, in any section: Lua actions, fetches and services (code
 * in HAProxy), external health-check commands (a process per check as HAProxy's
 * user), an admin socket.
 */
const EVERYWHERE_FORBIDDEN: readonly string[] = [
  'lua-*', 'option external-check', 'external-check', 'stats socket',
  'http-request lua.*', 'http-response lua.*', 'http-request use-service lua.*', 'http-after-response lua.*',
  'tcp-request content lua.*', 'tcp-response content lua.*', 'tcp-request content use-service lua.*', 'filter lua.*',
];

/**
 * What a team file (`50-*.cfg`) may not use on top of that: listeners and the stats
 * page/admin (`bind`, `stats`), SPOE agents (connections the platform does not see),
 * `source`/`usesrc` (transparent proxying, needs privileges), a per-backend state
 * file path.
 */
const TEAM_FORBIDDEN: readonly string[] = ['bind', 'stats', 'filter spoe', 'source', 'usesrc', 'server-state-file-name'];

/** Section kinds a platform file may define by default: everything but `global` and `program`. */
const PLATFORM_SECTIONS: readonly string[] = [
  'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'http-errors', 'cache', 'ring',
  'mailers', 'fcgi-app', 'log-forward',
];

/**
 * The built-in policy, used when a rendered version carries no policy.yaml. Team files
 * (`50-*.cfg`) define backends, and the userlists and error pages those backends use
 * (`http-request auth`, `errorfiles`); not `cache` (its shared memory is sized per
 * node: the platform's call), `defaults` (it would change every later team's
 * backends) or listeners. No file defines `global` (the supervisor owns it) or
 * `program` (commands run as HAProxy's user). Team files reference files only inside
 * the release (platform files may name mounted certificates), and no line reads
 * environment variables (secrets live there).
 */
export const DEFAULT_POLICY: Policy = {
  version: 1,
  forbid: { '*': [...EVERYWHERE_FORBIDDEN], global: [...GLOBAL_FORBIDDEN] },
  rules: [
    { files: ['50-*.cfg'], sections: ['backend', 'userlist', 'http-errors'], forbid: { '*': [...TEAM_FORBIDDEN] }, only: {}, externalFiles: false, envVars: false },
    // Platform files may name certificates and CA files where the node mounts them (absolute paths).
    { files: ['*.cfg'], sections: [...PLATFORM_SECTIONS], forbid: {}, only: {}, externalFiles: true, envVars: false },
  ],
};
