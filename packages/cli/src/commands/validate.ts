import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostics, hasErrors, rebase } from '../workflow/diagnostics.js';
import { dataFromOptions, dataOptions, parseFormat } from '../workflow/options.js';
import { validateRepo, type ValidateReport } from '../workflow/validate.js';
import { failure, type Command } from '../workflow/command-io.js';

const validateHelp = `apictl validate [DIR] (--catalog FILE | --consul ADDR) [options]

Renders every template in DIR (default ".") as a node would, lints the result, checks
it against the node's policy (DIR/policy.yaml, or the built-in default: team files
50-*.cfg define backends only; no global, program, Lua, stats socket, external checks,
environment variables or paths out of the release; no file sorting before the
supervisor's 0-haproxy-supervisor.cfg) and runs "haproxy -c" on it with the supervisor's
own global section. Errors name the file, line and column and show the line; a file
refused here is held at its last good output on every node.
Exit 0 when there is no error (warnings are allowed), 1 when there is, 2 on bad usage.

Options:
  --catalog FILE       catalog fixture (YAML or JSON: services, kv, node, env)
  --consul ADDR        render against a live Consul instead (host:port or URL)
  --env NAME=VALUE     a value (env "NAME") may read (repeatable)
  --format FORMAT      text (file:line:col: severity: message), json, or github
                       (GitHub Actions annotations)
  --haproxy-bin BIN    HAProxy binary (default: haproxy on PATH)
  --no-haproxy         skip "haproxy -c" (lints and render only)
  --strict             warnings fail too (exit 1)

Lints: unknown helpers, a .cfg.hbs rendering to an empty file, the same
frontend/backend name in two files, a service the fixture lacks (warning), an HTTP
defaults/frontend without "option idle-close-on-response" (warning).

Examples:
  apictl validate templates --catalog catalog.yaml
  apictl validate templates --catalog catalog.yaml --format github
  apictl validate . --consul 127.0.0.1:8500 --env HTTP_BIND=:80`;

export const validateOptions = {
  ...dataOptions,
  format: { type: 'string' },
  'haproxy-bin': { type: 'string' },
  'no-haproxy': { type: 'boolean', default: false },
  strict: { type: 'boolean', default: false },
} as const;

/** Parses the shared flags and runs the whole validation; used by publish as well. */
export async function runValidation(dir: string, values: { [K in keyof typeof validateOptions]?: unknown }): Promise<ValidateReport> {
  const { data, renderEnv } = await dataFromOptions(values as Parameters<typeof dataFromOptions>[0]);
  return validateRepo({
    dir: resolve(dir),
    data,
    ...renderEnv,
    haproxy: values['no-haproxy'] ? false : { bin: (values['haproxy-bin'] as string | undefined) ?? 'haproxy' },
  });
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'render, lint and haproxy -c a template tree',
  help: validateHelp,
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, options: validateOptions, allowPositionals: true });
    const format = parseFormat(values.format);
    const dir = positionals[0] ?? '.';
    try {
      const report = await runValidation(dir, values);
      const failed = hasErrors(report.diagnostics) || (values.strict && report.diagnostics.length > 0);
      const text = formatDiagnostics(rebase(report.diagnostics, positionals[0] ?? '.'), format, { templates: report.templates.length, rendered: report.rendered.length });
      if (text) io.out(text);
      const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
      const warnings = report.diagnostics.length - errors;
      io.err(`apictl validate: ${report.templates.length} files, ${errors} error(s), ${warnings} warning(s)${failed ? '' : ': valid'}`);
      return failed ? 1 : 0;
    } catch (err) {
      return failure('validate', err, io);
    }
  },
};
