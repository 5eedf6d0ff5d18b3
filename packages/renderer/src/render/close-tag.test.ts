import { describe, expect, it } from 'vitest';
import { MapDataView } from '../data-view.js';
import { closeTagMismatch } from './errors.js';
import { renderTree } from './render-tree.js';

describe('a mistyped closing tag is reported where it is', () => {
  it.each([
    ['{{#each x}}\nb\n\n{{/eachx}}\n', "each doesn't match eachx - 1:3", { line: 4, column: 0 }],
    ['a\n{{#if x}}\n  b {{~/ each }}\n', "if doesn't match each - 2:3", { line: 3, column: 4 }],
  ])('%j', (source, message, where) => {
    expect(closeTagMismatch(message, source)).toEqual({ ...where, message: expect.stringMatching(/^closing tag \{\{\/\S+\}\} does not match \{\{#\S+\}\} opened at line \d+$/) });
  });

  it('leaves other parse errors alone', () => {
    expect(closeTagMismatch('Parse error on line 3: ...', 'x')).toBeUndefined();
  });

  it('renderTree names the closing tag line and the opening one', () => {
    const file = { path: '50-a.cfg.hbs', data: Buffer.from('backend a\n{{#each (service "a")}}\n  server x\n{{/eech}}\n') };
    const result = renderTree([file], new MapDataView());
    const error = result.errors[0]!;
    expect(error.code).toBe('TEMPLATE_PARSE');
    expect(error.message).toBe('50-a.cfg.hbs:4: closing tag {{/eech}} does not match {{#each}} opened at line 2');
    expect(error.context).toMatchObject({ template: '50-a.cfg.hbs', line: 4 });
  });
});
