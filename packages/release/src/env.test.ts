import { describe, expect, it } from 'vitest';
import { parseS3Env } from './env.js';

describe('parseS3Env', () => {
  it('reads the three variables with their defaults', () => {
    expect(parseS3Env({})).toEqual({ S3_FORCE_PATH_STYLE: false });
    expect(parseS3Env({ S3_ENDPOINT: 'http://127.0.0.1:4569', S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'eu-west-1', OTHER: 'x' })).toEqual({
      S3_ENDPOINT: 'http://127.0.0.1:4569',
      S3_FORCE_PATH_STYLE: true,
      AWS_REGION: 'eu-west-1',
    });
  });

  it('names each variable at fault with S3_ENV_INVALID', () => {
    expect(() => parseS3Env({ S3_ENDPOINT: 'not a url', S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/S3_ENDPOINT: .*\(got "not a url"\).*S3_FORCE_PATH_STYLE/);
    try {
      parseS3Env({ S3_FORCE_PATH_STYLE: 'maybe' });
    } catch (err) {
      expect(err).toMatchObject({ code: 'S3_ENV_INVALID', context: { variables: ['S3_FORCE_PATH_STYLE'] } });
    }
  });
});
