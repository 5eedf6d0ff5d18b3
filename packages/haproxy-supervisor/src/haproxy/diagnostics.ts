/** One `[ALERT]` or `[WARNING]` HAProxy printed, with the config location when it named one. */
export interface Diagnostic {
  level: 'alert' | 'warning';
  message: string;
  /** Path as HAProxy printed it, made relative to the version dir when it is inside it. */
  file?: string;
  line?: number;
}

const HEADER = /^\[(ALERT|WARNING|NOTICE)\]\s*(?:\(\d+\)\s*)?:\s*(.*)$/;
const LOCATION = /\[([^\]\s]+):(\d+)\]/;
/** Summary lines that repeat what the specific alerts already said. */
const SUMMARY = /^(Fatal errors found in configuration|Error\(s\) found in configuration file|Some protocols failed to start their listeners|Loading failure)/;

/**
 * Parses HAProxy's stderr (`haproxy -c`, or the master's output around a reload) into
 * diagnostics. `roots` are directory prefixes stripped from paths (the candidate dir,
 * `live/current`), so a message names `50-web.cfg`, not a temp directory. Notices are
 * dropped; continuation lines (`   | ...`) join the diagnostic above them.
 */
export function parseDiagnostics(output: string, roots: readonly string[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  let last: Diagnostic | undefined;
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const header = HEADER.exec(line);
    if (header) {
      const level = header[1] === 'ALERT' ? 'alert' : header[1] === 'WARNING' ? 'warning' : undefined;
      last = undefined;
      if (!level) continue;
      const message = relativize(header[2]!.replace(/^config\s*:\s*/, ''), roots);
      const diag: Diagnostic = { level, message: message.trim() };
      const where = LOCATION.exec(message);
      if (where) {
        diag.file = where[1]!;
        diag.line = Number(where[2]);
      }
      out.push(diag);
      last = diag;
    } else if (last && /^\s+\|/.test(line)) {
      last.message += ` ${line.replace(/^\s+\|\s?/, '').trim()}`;
    }
  }
  return out;
}

/** The diagnostic worth a headline: the first alert naming a location, else the first real alert. */
export function primaryDiagnostic(diags: readonly Diagnostic[]): Diagnostic | undefined {
  const alerts = diags.filter((d) => d.level === 'alert');
  return alerts.find((d) => d.line !== undefined) ?? alerts.find((d) => !SUMMARY.test(d.message)) ?? alerts[0];
}

function relativize(message: string, roots: readonly string[]): string {
  let out = message;
  for (const root of roots) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    out = out.split(prefix).join('');
  }
  return out;
}
