import { consulValueProblem } from '@api-server/renderer';
import { checkDuration } from './duration.js';

/**
 * Registrator's conventions, read from a container's environment and labels (labels
 * win). Every value comes from whoever started the container, so each one is checked
 * here before it can reach Consul (and, through templates, HAProxy's config): a bad
 * value refuses the whole container, with the reasons, and nothing else.
 */
export interface ServiceSettings {
  ignore: boolean;
  name?: string;
  tags: string[];
  meta: Record<string, string>;
  checkHttp?: string;
  checkTcp?: boolean;
  checkInterval?: string;
  checkTimeout?: string;
}

export interface ContainerSettings {
  /** Container-wide settings (`SERVICE_NAME`, `SERVICE_TAGS`, ...). */
  all: ServiceSettings;
  /** Per container port (`SERVICE_8080_NAME`, ...), merged over `all` by `forPort`. */
  ports: Map<number, Partial<ServiceSettings>>;
}

/** Service names: a DNS label, so they are safe in DNS, HAProxy identifiers and templates. */
export const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Meta keys: Consul's own rule. `registrator-` and `consul-` are reserved. */
const META_KEY = /^[A-Za-z0-9_-]{1,128}$/;
/** Tags: printable, no whitespace, no comma (the list separator). */
const TAG = /^[\x21-\x2b\x2d-\x7e]{1,128}$/;
/** Control characters (C0, DEL, C1) are refused in every value. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const HTTP_PATH = /^\/[\x21-\x7e]{0,255}$/;
export const LIMITS = { valueChars: 1024, tags: 32, meta: 32, metaValueChars: 512 };

const truthy = (v: string) => v !== '' && !/^(false|0|no)$/i.test(v);

/** SERVICE_* keys from env (`KEY=value`) and labels, labels last so they win. */
export function serviceVariables(env: string[], labels: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq > 0 && entry.startsWith('SERVICE_')) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [k, v] of Object.entries(labels)) if (k.startsWith('SERVICE_')) out.set(k, v);
  return out;
}

/** Parses and validates the SERVICE_* variables; `problems` is empty when the container may be registered. */
export function readSettings(vars: Map<string, string>): { settings: ContainerSettings; problems: string[] } {
  const problems: string[] = [];
  const settings: ContainerSettings = { all: { ignore: false, tags: [], meta: {} }, ports: new Map() };
  for (const [key, value] of vars) {
    const shownKey = JSON.stringify(key.slice(0, 64));
    if (key.length > 128 || CONTROL.test(key)) {
      problems.push(`label ${shownKey}: key too long or with control characters`);
      continue;
    }
    if (value.length > LIMITS.valueChars) {
      problems.push(`${key}: value of ${value.length} characters (at most ${LIMITS.valueChars})`);
      continue;
    }
    if (CONTROL.test(value)) {
      problems.push(`${key}: control character in value`);
      continue;
    }
    const portMatch = /^SERVICE_(\d+)_(.+)$/.exec(key);
    if (portMatch) {
      const port = Number(portMatch[1]);
      if (!(port >= 1 && port <= 65535) || String(port) !== portMatch[1]) {
        problems.push(`${key}: port ${portMatch[1]} is not 1-65535`);
        continue;
      }
      const target = settings.ports.get(port) ?? {};
      settings.ports.set(port, target);
      applySetting(target, portMatch[2] ?? '', value, key, problems);
    } else {
      applySetting(settings.all, key.slice('SERVICE_'.length), value, key, problems);
    }
  }
  return { settings, problems };
}

function applySetting(target: Partial<ServiceSettings>, field: string, value: string, key: string, problems: string[]): void {
  const fail = (why: string) => problems.push(`${key}: ${why}`);
  if (field.startsWith('META_')) {
    const metaKey = field.slice('META_'.length).toLowerCase();
    if (!META_KEY.test(metaKey)) return void fail('meta key must be 1-128 of [A-Za-z0-9_-]');
    if (/^(registrator|consul)-/.test(metaKey)) return void fail('meta keys registrator-* and consul-* are reserved');
    if (value.length > LIMITS.metaValueChars) return void fail(`meta value over ${LIMITS.metaValueChars} characters`);
    // The renderer's own rule: a value it would refuse is refused here, named on this container.
    const problem = consulValueProblem(value);
    if (problem) return void fail(`meta value: ${problem}`);
    target.meta = { ...target.meta, [metaKey]: value };
    if (Object.keys(target.meta).length > LIMITS.meta) fail(`more than ${LIMITS.meta} meta keys`);
    return;
  }
  switch (field) {
    case 'IGNORE':
      target.ignore = truthy(value);
      return;
    case 'NAME':
      if (!SERVICE_NAME.test(value)) return void fail('service name must be a DNS label: 1-63 of [a-z0-9-], not starting or ending with "-"');
      target.name = value;
      return;
    case 'TAGS': {
      const tags = value.split(',').map((t) => t.trim()).filter(Boolean);
      const bad = tags.find((t) => !TAG.test(t) || consulValueProblem(t) !== undefined);
      if (bad !== undefined) return void fail(`tag ${JSON.stringify(bad.slice(0, 32))} must be 1-128 printable characters without spaces, quotes, #, \\, ;, $, % or braces`);
      if (tags.length > LIMITS.tags) return void fail(`${tags.length} tags (at most ${LIMITS.tags})`);
      target.tags = tags;
      return;
    }
    case 'CHECK_HTTP':
      if (!HTTP_PATH.test(value)) return void fail('must be a path starting with "/" (printable, no spaces, at most 256 characters)');
      target.checkHttp = value;
      return;
    case 'CHECK_TCP':
      target.checkTcp = truthy(value);
      return;
    case 'CHECK_INTERVAL':
    case 'CHECK_TIMEOUT': {
      const problem = checkDuration(value, 100, field === 'CHECK_INTERVAL' ? 600_000 : 60_000);
      if (problem) return void fail(problem);
      if (field === 'CHECK_INTERVAL') target.checkInterval = value;
      else target.checkTimeout = value;
      return;
    }
    default:
      // Registrator ignores keys it does not know (SERVICE_ID, SERVICE_REGION, ...); so do we.
      return;
  }
}

/** The settings for one port: per-port values over container-wide ones (meta merged). */
export function forPort(settings: ContainerSettings, port: number): ServiceSettings & { portNamed: boolean } {
  const own = settings.ports.get(port) ?? {};
  return {
    ...settings.all,
    ...own,
    ignore: settings.all.ignore || own.ignore === true,
    meta: { ...settings.all.meta, ...own.meta },
    tags: own.tags ?? settings.all.tags,
    portNamed: own.name !== undefined,
  };
}
