import { z } from '@api-server/core';
import { LineCounter, parseDocument } from 'yaml';

/** Name of the policy at the top of the template tree (and of every rendered version). */
export const POLICY_FILE = 'policy.yaml';

/** Directive patterns: one pattern is one or more words, each a glob (`lua-*`, `stats socket`, `http-request lua.*`). */
const patterns = z.array(z.string().trim().min(1).regex(/^[^\s"'#]+( [^\s"'#]+)*$/, 'a directive is words separated by single spaces (globs allowed)'));
/** Section kind (`backend`, `global`, ...) or `*` for every kind -> directive patterns. */
const byKind = z.record(z.string().regex(/^(\*|[a-z-]+)$/, 'a section kind or "*"'), patterns);
const port = z.number().int().min(1).max(65535);
const portRange = z.string().regex(/^\d{1,5}-\d{1,5}$/, 'a port range is "low-high"');

const ruleSchema = z.strictObject({
  /** Globs over rendered file names (`50-*.cfg`); the first rule matching a file applies to it. */
  files: z.array(z.string().min(1)).min(1),
  /** Section kinds the files may define. */
  sections: z.array(z.string().regex(/^[a-z-]+$/)),
  /** Directives forbidden in these files, on top of the policy-wide `forbid`. */
  forbid: byKind.default({}),
  /** Section kind -> the only directives allowed in it (e.g. `global: [localpeer]`). */
  only: z.record(z.string().regex(/^[a-z-]+$/), patterns).default({}),
  /** Ports `bind` lines may use; absent: any. A bind the check cannot read (socket path, `${VAR}`) is refused when set. */
  bindPorts: z.array(z.union([port, portRange])).optional(),
  /** May files read files outside the release (absolute paths, `..`: `errorfile`, `-f`, `map()`, `crt`)? */
  externalFiles: z.boolean().default(false),
  /** May lines expand environment variables (`"${AWS_SECRET_ACCESS_KEY}"`)? */
  envVars: z.boolean().default(false),
});

const policySchema = z.strictObject({
  version: z.literal(1),
  /** Directives no file may use, per section kind (`*`: every kind). */
  forbid: byKind.default({}),
  rules: z.array(ruleSchema).min(1),
});

export type Policy = z.infer<typeof policySchema>;
export type PolicyRule = Policy['rules'][number];

/** Why a policy.yaml was refused, with the line when the YAML or the schema names one. */
export interface PolicyParseError {
  message: string;
  line: number | null;
}

/**
 * Parses policy.yaml (YAML, then the zod schema). Pure. A broken policy is never
 * half-applied: the caller decides what applies instead (the supervisor: the live
 * version's policy, else the built-in default; apictl: an error).
 */
export function parsePolicy(text: string): { ok: true; policy: Policy } | { ok: false; error: PolicyParseError } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    return { ok: false, error: { message: first.message.split('\n')[0]!, line: lineCounter.linePos(first.pos[0]).line } };
  }
  const parsed = policySchema.safeParse(doc.toJS());
  if (parsed.success) return { ok: true, policy: parsed.data };
  const issue = parsed.error.issues[0]!;
  // The node the issue names, or its nearest parent that exists (a missing key).
  let line: number | null = null;
  for (let n = issue.path.length; n >= 0 && line === null; n--) {
    const node = doc.getIn(issue.path.slice(0, n) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
    if (node?.range) line = lineCounter.linePos(node.range[0]).line;
  }
  const at = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, error: { message: `${at}${issue.message}`, line } };
}
