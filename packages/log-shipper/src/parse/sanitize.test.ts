import { describe, expect, it } from 'vitest';
import { messageText, trimTerminator } from './sanitize.js';

describe('messageText', () => {
  it.each<[string, Buffer, string]>([
    ['plain', Buffer.from('<1>abc'), '<1>abc'],
    ['CR and LF become spaces', Buffer.from('<1>a\r\nb\nc'), '<1>a  b c'],
    ['invalid UTF-8 becomes U+FFFD', Buffer.from([0x3c, 0x31, 0x3e, 0xff, 0x61]), '<1>\uFFFDa'],
    ['valid multibyte kept', Buffer.from('<1>héllo ✓'), '<1>héllo ✓'],
  ])('%s', (_n, input, expected) => {
    expect(messageText(input)).toBe(expected);
  });
});

describe('trimTerminator', () => {
  it.each([
    ['<1>a\n', '<1>a'],
    ['<1>a\r\n\0', '<1>a'],
    ['<1>a\nb', '<1>a\nb'],
    ['\n', ''],
  ])('%j', (input, expected) => {
    expect(trimTerminator(Buffer.from(input)).toString()).toBe(expected);
  });
});
