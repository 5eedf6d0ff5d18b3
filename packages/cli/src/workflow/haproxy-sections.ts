/**
 * A shallow reading of HAProxy configuration: sections and their keyword lines,
 * enough for lints across files (duplicate names, inherited options). HAProxy
 * itself (`haproxy -c`) remains the judge of validity. Pure.
 */
export const SECTION_KEYWORDS = new Set([
  'global', 'defaults', 'frontend', 'backend', 'listen', 'peers', 'resolvers', 'userlist', 'mailers',
  'program', 'http-errors', 'ring', 'cache', 'fcgi-app',
]);

export interface ConfigLine {
  /** 1-based line in the file. */
  line: number;
  /** 1-based column of the first token. */
  column: number;
  words: string[];
  text: string;
}

export interface Section {
  kind: string;
  name: string | undefined;
  file: string;
  line: number;
  column: number;
  text: string;
  body: ConfigLine[];
}

/** Splits a line into words, dropping a `#` comment (not inside quotes). */
export function configWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '#') {
      break;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export function parseSections(file: string, text: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    const words = configWords(line);
    if (words.length === 0) return;
    const column = line.search(/\S/) + 1;
    const keyword = words[0]!;
    if (SECTION_KEYWORDS.has(keyword)) {
      current = { kind: keyword, name: words[1], file, line: i + 1, column, text: line, body: [] };
      sections.push(current);
    } else {
      current?.body.push({ line: i + 1, column, words, text: line });
    }
  });
  return sections;
}

/** The last value of a keyword in a section (`mode` -> "http"), or undefined. */
export function lastValue(section: Section, keyword: string): string | undefined {
  let value: string | undefined;
  for (const l of section.body) if (l.words[0] === keyword) value = l.words[1];
  return value;
}

/** Whether `option <name>` is set (true), negated with `no option <name>` (false), or not mentioned (undefined). */
export function optionState(section: Section, name: string): boolean | undefined {
  let state: boolean | undefined;
  for (const l of section.body) {
    if (l.words[0] === 'option' && l.words[1] === name) state = true;
    if (l.words[0] === 'no' && l.words[1] === 'option' && l.words[2] === name) state = false;
  }
  return state;
}
