/**
 * RFC 5424 and RFC 3164 syslog headers, parsed by a hand-written scanner (no regex
 * backtracking: this runs for every line at 50k lines/s). Pure functions only.
 */

/** Which header a message carried; `none` means no valid `<PRI>`: keep it as raw text. */
export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'none';

export interface SyslogMessage {
  format: SyslogFormat;
  /** 0..191, null for `none`. */
  pri: number | null;
  facility: number | null;
  severity: number | null;
  /** As written by the sender (RFC 3339 for 5424, `Mmm dd hh:mm:ss` for 3164); null if nil. */
  timestamp: string | null;
  hostname: string | null;
  appName: string | null;
  procId: string | null;
  /** RFC 5424 only. */
  msgId: string | null;
  /** RFC 5424 STRUCTURED-DATA as written (`[id k="v"]...`), null if nil or 3164. */
  structuredData: string | null;
  /** The MSG part; for `none` the whole input. */
  message: string;
}

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** `local0`, `daemon`...; undefined for an out-of-range code. */
export function facilityName(facility: number): string | undefined {
  return FACILITIES[facility];
}

/** `info`, `err`...; undefined for an out-of-range code. */
export function severityName(severity: number): string | undefined {
  return SEVERITIES[severity];
}

const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const TIME_DIGITS = [7, 8, 10, 11, 13, 14] as const;

function raw(line: string): SyslogMessage {
  return { format: 'none', pri: null, facility: null, severity: null, timestamp: null, hostname: null, appName: null, procId: null, msgId: null, structuredData: null, message: line };
}

const nil = (s: string): string | null => (s === '-' ? null : s);

/** Reads `<PRI>`: returns [pri, index after '>'] or undefined when absent/invalid. */
function readPri(line: string): [number, number] | undefined {
  if (line.charCodeAt(0) !== 60 /* < */) return undefined;
  let pri = 0;
  let i = 1;
  for (; i < 5 && i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 62 /* > */) break;
    if (c < 48 || c > 57) return undefined;
    pri = pri * 10 + (c - 48);
  }
  // 1..3 digits, no leading zero except "<0>", at most 191 (facility 23, severity 7).
  if (line.charCodeAt(i) !== 62 || i === 1 || i > 4 || pri > 191) return undefined;
  if (i > 2 && line.charCodeAt(1) === 48) return undefined;
  return [pri, i + 1];
}

/**
 * Parses one syslog message (already decoded, one line, no framing). Never throws:
 * a message without a valid `<PRI>` comes back as `format: 'none'` with the whole
 * line as `message`, so the caller keeps it as raw text.
 */
export function parseSyslog(line: string): SyslogMessage {
  const pri = readPri(line);
  if (!pri) return raw(line);
  const [value, start] = pri;
  // RFC 5424: VERSION is "1" followed by a space.
  const parsed =
    line.charCodeAt(start) === 49 && line.charCodeAt(start + 1) === 32 ? parse5424(line, start + 2) : parse3164(line, start);
  if (!parsed) return raw(line);
  parsed.pri = value;
  parsed.facility = value >> 3;
  parsed.severity = value & 7;
  return parsed;
}

function parse5424(line: string, from: number): SyslogMessage | undefined {
  const fields: string[] = [];
  let pos = from;
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each one space-delimited token.
  for (let n = 0; n < 5; n++) {
    const sp = line.indexOf(' ', pos);
    if (sp <= pos) return undefined;
    fields.push(line.slice(pos, sp));
    pos = sp + 1;
  }
  let sd: string | null = null;
  if (line.charCodeAt(pos) === 45 /* - */) {
    pos += 1;
  } else if (line.charCodeAt(pos) === 91 /* [ */) {
    const end = scanStructuredData(line, pos);
    if (end < 0) return undefined;
    sd = line.slice(pos, end);
    pos = end;
  } else {
    return undefined;
  }
  let message = '';
  if (pos < line.length) {
    if (line.charCodeAt(pos) !== 32) return undefined;
    message = line.slice(pos + 1);
    if (message.charCodeAt(0) === 0xfeff) message = message.slice(1); // the optional BOM
  }
  return {
    format: 'rfc5424',
    pri: null,
    facility: null,
    severity: null,
    timestamp: nil(fields[0]!),
    hostname: nil(fields[1]!),
    appName: nil(fields[2]!),
    procId: nil(fields[3]!),
    msgId: nil(fields[4]!),
    structuredData: sd,
    message,
  };
}

/** End index (exclusive) of one or more SD-ELEMENTs starting at `pos`, or -1. */
function scanStructuredData(line: string, pos: number): number {
  while (line.charCodeAt(pos) === 91) {
    let inQuotes = false;
    let i = pos + 1;
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (inQuotes && c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuotes = !inQuotes;
      else if (c === 93 /* ] */ && !inQuotes) break;
    }
    if (i >= line.length) return -1;
    pos = i + 1;
  }
  return pos;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Length of a `Mmm dd hh:mm:ss` timestamp at `pos` (15), or 0. */
function bsdTimestampLength(line: string, pos: number): number {
  if (line.length < pos + 16 || MONTHS.indexOf(line.slice(pos, pos + 3)) % 3 !== 0 || line.charCodeAt(pos + 3) !== 32) return 0;
  const d1 = line.charCodeAt(pos + 4);
  if (!(d1 === 32 || isDigit(d1)) || !isDigit(line.charCodeAt(pos + 5)) || line.charCodeAt(pos + 6) !== 32) return 0;
  for (const off of TIME_DIGITS) if (!isDigit(line.charCodeAt(pos + off))) return 0;
  if (line.charCodeAt(pos + 9) !== 58 || line.charCodeAt(pos + 12) !== 58) return 0;
  return 15;
}

/** `name[pid]:` or `name:` -> [name, pid|null]; undefined if the token is not a TAG. */
function readTag(token: string): [string, string | null] | undefined {
  if (token.length < 2 || token.charCodeAt(token.length - 1) !== 58 /* : */) return undefined;
  const body = token.slice(0, -1);
  const open = body.indexOf('[');
  if (open < 0) return [body, null];
  if (open === 0 || body.charCodeAt(body.length - 1) !== 93) return undefined;
  return [body.slice(0, open), body.slice(open + 1, -1)];
}

/**
 * RFC 3164: `<PRI>Mmm dd hh:mm:ss [HOSTNAME ]TAG[PID]: MSG`. HAProxy leaves out the
 * hostname unless `log-send-hostname` is set, so HOSTNAME is optional: a first token
 * that already looks like a TAG is the TAG.
 */
function parse3164(line: string, from: number): SyslogMessage | undefined {
  let pos = from;
  let timestamp: string | null = null;
  const tsLen = bsdTimestampLength(line, pos);
  if (tsLen > 0) {
    timestamp = line.slice(pos, pos + tsLen);
    pos += tsLen + 1;
  } else if (isDigit(line.charCodeAt(pos)) && line.charCodeAt(pos + 4) === 45 /* - */) {
    // Some senders put an RFC 3339 timestamp in the 3164 position.
    const sp = line.indexOf(' ', pos);
    if (sp < 0) return undefined;
    timestamp = line.slice(pos, sp);
    pos = sp + 1;
  }
  let hostname: string | null = null;
  let appName: string | null = null;
  let procId: string | null = null;
  const sp1 = line.indexOf(' ', pos);
  const first = sp1 < 0 ? line.slice(pos) : line.slice(pos, sp1);
  const tag = readTag(first);
  if (tag) {
    [appName, procId] = tag;
    pos = sp1 < 0 ? line.length : sp1 + 1;
  } else if (timestamp !== null && sp1 > pos) {
    const sp2 = line.indexOf(' ', sp1 + 1);
    const second = readTag(sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2));
    if (second) {
      hostname = first;
      [appName, procId] = second;
      pos = sp2 < 0 ? line.length : sp2 + 1;
    }
  }
  return {
    format: 'rfc3164',
    pri: null,
    facility: null,
    severity: null,
    timestamp,
    hostname,
    appName,
    procId,
    msgId: null,
    structuredData: null,
    message: line.slice(pos),
  };
}
