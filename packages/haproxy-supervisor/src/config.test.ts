import { parseEnv } from '@api-server/core';
import { describe, expect, it } from 'vitest';
import { envPrefixes, envShape } from './config.js';

describe('supervisor env', () => {
  it.each([
    ['unset', {}],
    ['true (accepted, changes nothing)', { HAPROXY_RUNTIME_CHECK: 'true' }],
  ])('HAPROXY_RUNTIME_CHECK %s starts', (_name, env) => {
    expect(() => parseEnv(envShape, env, envPrefixes)).not.toThrow();
  });

  it('HAPROXY_RUNTIME_CHECK=false is refused: live/current never holds an unchecked version', () => {
    expect(() => parseEnv(envShape, { HAPROXY_RUNTIME_CHECK: 'false' }, envPrefixes)).toThrow(/HAPROXY_RUNTIME_CHECK.*retired/s);
  });
});
