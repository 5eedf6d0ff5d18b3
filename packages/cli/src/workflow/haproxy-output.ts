/**
 * Reads what `haproxy -c` prints. HAProxy 2.6 writes one line per finding:
 *   [ALERT]    (123) : config : parsing [/dir/20-http.cfg:12] : unknown keyword 'x' in 'frontend' section
 *   [WARNING]  (123) : config : parsing [/dir/20-http.cfg:3] : ...
 *   [ALERT]    (123) : config : Proxy 'http': unable to find required default_backend: 'nope'.
 * Summaries ("Error(s) found in configuration file", "Fatal errors found") repeat
 * what the lines said and are dropped. Pure.
 */
export interface HaproxyFinding {
  severity: 'error' | 'warning';
  /** Path relative to the checked directory, when HAProxy named one inside it. */
  file?: string;
  line?: number;
  message: string;
  /** The proxy the message names, for findings without a file (`Proxy 'http': ...`). */
  proxy?: string;
  /** `backend`, `frontend` or `listen` when the message says which; undefined for "Proxy 'x'". */
  proxyKind?: string;
}

const LINE = /^\[(ALERT|WARNING)\]\s*(?:\(\d+\)\s*)?:\s*(?:config\s*:\s*)?(.*)$/;
const LOCATION = /\[([^\]\s]+):(\d+)\]\s*:?\s*/;
const SUMMARY = /^(Error\(s\) found in configuration file|Fatal errors found in configuration|Errors found in configuration)/;

export function parseHaproxyOutput(output: string, dir: string): HaproxyFinding[] {
  const out: HaproxyFinding[] = [];
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  for (const raw of output.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const severity = m[1] === 'ALERT' ? 'error' : 'warning';
    let message = m[2]!.trim();
    if (SUMMARY.test(message)) continue;
    const finding: HaproxyFinding = { severity, message };
    const loc = LOCATION.exec(message);
    if (loc) {
      const path = loc[1]!;
      finding.file = path.startsWith(base) ? path.slice(base.length) : path;
      finding.line = Number(loc[2]);
      message = (message.slice(0, loc.index) + message.slice(loc.index + loc[0].length)).replace(/^[Pp]arsing\s*:?\s*/, '').trim();
    }
    // Paths of the temporary directory mean nothing to the reader.
    finding.message = message.split(base).join('');
    const proxy = /([Pp]roxy|backend|frontend|listen) '([^']+)'/.exec(message);
    if (proxy) {
      finding.proxy = proxy[2];
      if (proxy[1] !== 'Proxy' && proxy[1] !== 'proxy') finding.proxyKind = proxy[1];
    }
    out.push(finding);
  }
  return out;
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
