import { describe, expect, it } from 'vitest';
import { parseErrorColumn, tidyParseMessage } from './template-errors.js';
import { helperCalls, parseTemplate, unknownHelpers } from './template-ast.js';

describe('parseErrorColumn', () => {
  it.each([
    ['Parse error on line 2:\nline1  {{foo bar"}}\n-------------^\nExpecting x', '  {{foo bar"}}', 9],
    ['Parse error on line 1:\n{{> }}\n----^\nExpecting x', '{{> }}', 5],
    ['Parse error on line 3:\n...s}}:{{port}} {{ foo bar"}}\n-----------------------^\nExpecting', '  server a {{address}}:{{port}} {{ foo bar"}}', 40],
    ['no caret here', 'x', undefined],
  ])('%#', (message, line, column) => expect(parseErrorColumn(message, line)).toBe(column));
});

describe('tidyParseMessage', () => {
  it('keeps the token found and the first expected ones', () => {
    expect(tidyParseMessage("Parse error on line 3: ...x -----^ Expecting 'CLOSE', 'ID', 'STRING', 'NUMBER', 'BOOLEAN', got 'INVALID'")).toBe(
      'syntax error: unexpected INVALID (expected CLOSE, ID, STRING, NUMBER, ...)',
    );
    expect(tidyParseMessage('each doesn\'t match ech')).toBe('each doesn\'t match ech');
  });
});

describe('helperCalls / unknownHelpers', () => {
  it('finds sub-expressions and calls with arguments, not bare fields', () => {
    const ast = parseTemplate('{{#each (service "web")}}{{haproxyId id}} {{address}}{{/each}}\n{{#if false}}{{upper "x"}}{{/if}}{{#peers}}{{/peers}} {{default (nope) "a"}}')!;
    expect(helperCalls(ast).map((c) => `${c.name}@${c.line}:${c.column}${c.firstString ? `=${c.firstString}` : ''}`)).toEqual([
      'each@1:4',
      'service@1:10=web',
      'haproxyId@1:28',
      'if@2:4',
      'upper@2:16=x',
      'default@2:57',
      'nope@2:66',
    ]);
    expect(unknownHelpers(ast).map((c) => c.name)).toEqual(['upper', 'nope']);
  });
  it('returns null for a template that does not parse', () => {
    expect(parseTemplate('{{#if}}')).toBeNull();
  });
});
