import { describe, expect, it } from 'vitest';
import { decodeListedKey, s3Failure } from './s3-api.js';

describe('decodeListedKey', () => {
  it.each([
    ['a+b.txt', 'a b.txt'],
    ['a%2Bb.txt', 'a+b.txt'],
    ['100%25.csv', '100%.csv'],
    ['%ED%95%9C%EA%B8%80/x.txt', '한글/x.txt'],
    ['a%0Ab', 'a\nb'],
    ['a/%252e%252e/b', 'a/%2e%2e/b'],
  ])('%s -> %j', (encoded, key) => expect(decodeListedKey(encoded)).toBe(key));
});

describe('s3Failure', () => {
  const withStatus = (name: string, status?: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: status ? { httpStatusCode: status } : {} });
  it.each([
    [withStatus('Error'), 'S3_UNREACHABLE'],
    [withStatus('AccessDenied', 403), 'S3_ACCESS_DENIED'],
    [withStatus('NoSuchBucket', 404), 'S3_NO_SUCH_BUCKET'],
    [withStatus('InternalError', 500), 'S3_REQUEST_FAILED'],
  ])('%s -> %s', (err, code) => {
    expect(s3Failure(err, 'GetObject', 'b', 'p/k')).toMatchObject({ code, context: { operation: 'GetObject', bucket: 'b', key: 'p/k' } });
  });
});
