import { describe, expect, it } from 'vitest';
import { parseS3Url } from './location.js';

describe('parseS3Url', () => {
  it.each([
    ['s3://templates/prod', { bucket: 'templates', prefix: 'prod/' }],
    ['s3://templates/prod/', { bucket: 'templates', prefix: 'prod/' }],
    ['s3://templates//a/b//', { bucket: 'templates', prefix: 'a/b/' }],
    ['s3://templates', { bucket: 'templates', prefix: '' }],
    ['s3://templates/', { bucket: 'templates', prefix: '' }],
  ])('%s', (url, expected) => expect(parseS3Url(url)).toEqual(expected));

  it.each([
    ['s3://ab/p', 'bucket name "ab" is not valid'],
    ['s3://-bucket/p', 'bucket name "-bucket" is not valid'],
    ['s3://bu$ket/p', 'bucket name "bu$ket" is not valid'],
    ['s3:///p', 'expected s3://bucket/prefix'],
  ])('refuses %s with a reason', (url, why) => expect(parseS3Url(url)).toContain(why));

  it.each([['http://x/y'], ['file:///srv'], ['templates']])('leaves %s to the caller (not s3://)', (url) => expect(parseS3Url(url)).toBeNull());
});
