/** One `[ALERT]` or `[WARNING]` HAProxy printed, with the config location when it named one. */
export interface Diagnostic {
  level: 'alert' | 'warning';
  /** The message with the location left in (`parsing [50-web.cfg:3] : unknown keyword ...`): for logs. */
  message: string;
  /** The message without its location prefix (`unknown keyword ...`): for an annotation already placed at file:line. */
  detail: string;
  /** Path as HAProxy printed it, made relative to the version dir when it is inside it. */
  file?: string;
  line?: number;
  /** The proxy the message names (`Proxy 'http': ...`, `backend 'b' ...`): places a finding without a file. */
  proxy?: string;
  /** `backend`, `frontend` or `listen` when the message says which; undefined for "Proxy 'x'". */
  proxyKind?: string;
  /** A summary line (`Fatal errors found in configuration.`) that repeats what the specific alerts said. */
  summary?: true;
}

const HEADER = /^\[(ALERT|WARNING|NOTICE)\]\s*(?:\(\d+\)\s*)?:\s*(.*)$/;
/** `[file:line]` (parsing errors) or `(at file:line)` (post-parsing checks). */
const LOCATION = /\[([^\]\s]+):(\d+)\]|\(at ([^\s)]+):(\d+)\)/;
/** `Error(s) found in configuration file : <path>`: names the file, not the line. */
const SUMMARY_FILE = /^Error\(s\) found in configuration file\s*:\s*(\S+)/;
const LOCATION_PREFIX = /^[Pp]arsing\s*\[[^\]\s]+:\d+\]\s*:?\s*/;
/** Summary lines that repeat what the specific alerts already said. */
const SUMMARY = /^(Fatal errors found in configuration|Error\(s\) found in configuration file|Errors found in configuration|Some protocols failed to start their listeners|Loading failure)/;

/**
 * Parses HAProxy's stderr (`haproxy -c`, or the master's output around a reload) into
 * diagnostics. `roots` are directory prefixes stripped from paths (the candidate dir,
 * `live/current`), so a message names `50-web.cfg`, not a temp directory. Notices are
 * dropped; continuation lines (`   | ...`) join the diagnostic above them. Pure.
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
      const message = relativize(header[2]!.replace(/^config\s*:\s*/, ''), roots).trim();
      const diag: Diagnostic = { level, message, detail: message.replace(LOCATION_PREFIX, '').trim() };
      const where = LOCATION.exec(message);
      if (where) {
        diag.file = where[1] ?? where[3]!;
        diag.line = Number(where[2] ?? where[4]);
      }
      const summaryFile = SUMMARY_FILE.exec(message)?.[1];
      if (summaryFile) diag.file = summaryFile;
      const proxy = /([Pp]roxy|backend|frontend|listen) '([^']+)'/.exec(diag.detail);
      if (proxy) {
        diag.proxy = proxy[2]!;
        if (proxy[1] !== 'Proxy' && proxy[1] !== 'proxy') diag.proxyKind = proxy[1]!;
      }
      if (SUMMARY.test(message)) diag.summary = true;
      out.push(diag);
      last = diag;
    } else if (last && /^\s+\|/.test(line)) {
      const more = ` ${line.replace(/^\s+\|\s?/, '').trim()}`;
      last.message += more;
      last.detail += more;
    }
  }
  return out;
}

/** The diagnostic worth a headline: the first alert naming a location, else the first real alert. */
export function primaryDiagnostic(diags: readonly Diagnostic[]): Diagnostic | undefined {
  const alerts = diags.filter((d) => d.level === 'alert');
  return alerts.find((d) => d.line !== undefined) ?? alerts.find((d) => !d.summary) ?? alerts[0];
}

/** Column (1-based) of the first token the message quotes that the line holds, else of the first word. */
export function findingColumn(message: string, text: string): number {
  for (const m of message.matchAll(/'([^']+)'/g)) {
    const at = text.indexOf(m[1]!);
    if (at >= 0) return at + 1;
  }
  const first = text.search(/\S/);
  return first >= 0 ? first + 1 : 1;
}

/** A section that declares a proxy: enough to place a message that names a proxy but no file. */
export interface ProxyDeclaration {
  kind: string;
  name: string;
  file: string;
  line: number;
}

/**
 * Where a diagnostic points: its own file and line, else the declaration of the proxy
 * it names (`Proxy 'http': unable to find required default_backend`), else nowhere.
 */
function placeDiagnostic(diag: Diagnostic, proxies: readonly ProxyDeclaration[]): { file: string; line: number } | undefined {
  if (diag.file !== undefined && diag.line !== undefined) return { file: diag.file, line: diag.line };
  if (!diag.proxy) return undefined;
  const named = proxies.filter((s) => s.name.split(' ')[0] === diag.proxy && (s.kind === 'frontend' || s.kind === 'backend' || s.kind === 'listen'));
  const found = named.find((s) => diag.proxyKind === undefined || s.kind === diag.proxyKind || s.kind === 'listen') ?? named[0];
  return found ? { file: found.file, line: found.line } : undefined;
}

/** A real (non-summary) diagnostic and where it points, when anywhere. */
export interface PlacedDiagnostic {
  diag: Diagnostic;
  file?: string;
  /** Absent when only the file is known (from HAProxy's summary line). */
  line?: number;
}

/**
 * Every real diagnostic with where it points: its own file:line, else the declaration
 * of the proxy it names, else, for an alert, the file HAProxy's summary names
 * (`Error(s) found in configuration file : X`, no line). What `apictl validate` reports
 * and what the supervisor holds come from this one placement. Pure.
 */
export function placeDiagnostics(diags: readonly Diagnostic[], proxies: readonly ProxyDeclaration[]): PlacedDiagnostic[] {
  const summaryFiles = diags.filter((d) => d.summary && d.file).map((d) => d.file!);
  return diags
    .filter((d) => !d.summary)
    .map((diag) => {
      const at = placeDiagnostic(diag, proxies);
      if (at) return { diag, file: at.file, line: at.line };
      const fallback = diag.level === 'alert' && summaryFiles.length === 1 ? summaryFiles[0] : undefined;
      return fallback ? { diag, file: fallback } : { diag };
    });
}

function relativize(message: string, roots: readonly string[]): string {
  let out = message;
  for (const root of roots) {
    const prefix = root.endsWith('/') ? root : `${root}/`;
    out = out.split(prefix).join('');
  }
  return out;
}
