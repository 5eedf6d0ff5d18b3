const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Where the first byte that breaks UTF-8 sits (1-based line and byte column), or
 * null when the whole buffer decodes. Used to point at the line an editor saved in
 * Latin-1, which HAProxy would otherwise take byte for byte.
 */
export function firstInvalidUtf8(data: Uint8Array): { line: number; column: number; byte: number } | null {
  try {
    decoder.decode(data);
    return null;
  } catch {
    // Fall through to locate it.
  }
  let line = 1;
  let lineStart = 0;
  let i = 0;
  while (i < data.length) {
    const b = data[i]!;
    if (b === 0x0a) {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0) return { line, column: i - lineStart + 1, byte: b };
    if (len > 1) {
      try {
        decoder.decode(data.subarray(i, i + len));
      } catch {
        return { line, column: i - lineStart + 1, byte: b };
      }
    }
    i += len;
  }
  return { line, column: i - lineStart + 1, byte: 0 };
}
