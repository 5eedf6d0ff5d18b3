import Handlebars from 'handlebars';
import { PipelineError } from '@api-server/core/base';
import type { VersionFile } from '@api-server/core';
import { closeTagMismatch, templateError } from './errors.js';
import { rendererError } from '../error-codes.js';

const COMPILE = { noEscape: true, strict: true } as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A template parsed, and compiled on first use, once per source text: compiling is a
 * fifth of a render's CPU and the templates rarely change between the renders a
 * Consul change triggers. The compiled spec is plain code that takes its helpers and
 * data from the environment it is bound to (`hb.template`), so one serves every render.
 */
export interface Parsed {
  ast: hbs.AST.Program;
  spec?: Spec;
  /** Distinct per parse: equal serials mean equal source text (IterationMemo's key). */
  serial: number;
}

/** The flags of a compiled spec that IterationMemo must know. */
type Spec = object & { useDepths?: boolean; useBlockParams?: boolean; useDecorators?: boolean };

let serials = 0;

/** By source text, two generations: an entry the last two renders did not use is dropped. */
let parsedNow = new Map<string, Parsed>();
let parsedBefore = new Map<string, Parsed>();

/** Starts a render's generation of the parse cache: what the previous render did not use is dropped. */
export function rotateParsed(): void {
  parsedBefore = parsedNow;
  parsedNow = new Map();
}

const COMPILE_SPEC = { ...COMPILE, data: true };

/** What `hb.compile(ast)` would run, from the cached spec (Handlebars' own compile steps, done once). */
export function templateOf(hb: typeof Handlebars, parsed: Parsed): Handlebars.TemplateDelegate {
  return hb.template(specOf(hb, parsed) as never);
}

/** The compiled spec (compiled once; throws what Handlebars' compile throws). */
export function specOf(hb: typeof Handlebars, parsed: Parsed): Spec {
  const env = hb as unknown as { Compiler: new () => { compile(ast: unknown, o: object): unknown }; JavaScriptCompiler: new () => { compile(e: unknown, o: object, c: undefined, asObject: true): object } };
  parsed.spec ??= new env.JavaScriptCompiler().compile(new env.Compiler().compile(parsed.ast, COMPILE_SPEC), COMPILE_SPEC, undefined, true);
  return parsed.spec;
}

export function parseTemplate(hb: typeof Handlebars, file: VersionFile, where: { template: string }): Parsed | PipelineError {
  let source: string;
  try {
    source = utf8.decode(file.data);
  } catch (err) {
    return rendererError('TEMPLATE_PARSE', `${file.path}: not valid UTF-8 text`, { cause: err, context: where });
  }
  const hit = parsedNow.get(source) ?? parsedBefore.get(source);
  if (hit) {
    parsedNow.set(source, hit);
    return hit;
  }
  try {
    const parsed = { ast: hb.parse(source), serial: ++serials };
    parsedNow.set(source, parsed);
    return parsed;
  } catch (err) {
    const mismatch = closeTagMismatch(err instanceof Error ? err.message : String(err), source);
    if (mismatch) {
      return rendererError('TEMPLATE_PARSE', `${where.template}:${mismatch.line}: ${mismatch.message}`, {
        cause: err,
        context: { ...where, line: mismatch.line, column: mismatch.column },
      });
    }
    return templateError(err, 'parse', where);
  }
}
