import { cliCommands } from '../haproxy/cli.js';
import { checkCommand, shown } from './grammar.js';
import type { ServerChange } from './plan-runtime.js';

/** Sends commands on the admin socket, on one line, and returns HAProxy's answer to each. */
export type AdminCommand = (commands: readonly string[]) => Promise<string[]>;

export function adminSocketCommand(socketPath: string): AdminCommand {
  return (commands) => cliCommands(socketPath, commands, { timeoutMs: 5000 });
}

/**
 * Characters of commands sent on one line: a change's commands go in one connection
 * (a connection per command was a third of the supervisor's CPU for a health flip), well
 * under the 16 KB request buffer HAProxy's CLI reads a line into (`tune.bufsize`).
 */
const LINE_CHARS = 8 * 1024;

/** A server put in maintenance because the config dropped it; deleted once idle. */
export interface PendingDeletion {
  backend: string;
  server: string;
  /** Keywords it was created with (to reuse it when the same server comes back), null if unknown. */
  fixed: string | null;
  since: number;
}

/**
 * `unsafe`: a command failed the grammar (runtime/grammar.ts) and nothing of the batch
 * was sent; `refused`: HAProxy answered a command with an error (earlier ones applied).
 */
export type ApplyResult = { ok: true; commands: number } | { ok: false; failure: 'unsafe' | 'refused'; reason: string; command: string; answer: string };

/**
 * What a server written in the configuration gets by default in 2.6 and one added with
 * `add server` does not (verified with `show servers conn`: idle limit -1 and purge
 * delay 5000 ms for a config server, 0 and 0 for a dynamic one). Without them every
 * request to a dynamic server opens a new backend connection: 0.44x the throughput and
 * 2.2x the HAProxy CPU per request. Added unless the server line (or its
 * `default-server`) sets them.
 */
const CONFIG_SERVER_POOL: ReadonlyArray<readonly [string, string]> = [
  ['pool-max-conn', '-1'],
  ['pool-purge-delay', '5s'],
];

/** The commands of one change, and what it does to the pending deletions once sent. */
interface Step {
  commands: string[];
  commit: () => void;
}

export type SweepResult = { deleted: string[]; overdue: string[]; failed: { key: string; answer: string } | null };

/** `set server` and friends answer nothing on success; these answer a known sentence. */
const SUCCESS: Array<[RegExp, RegExp]> = [
  [/^add server /, /New server registered/],
  [/^set server \S+ addr /, /changed from|no need to change/i],
  [/^del server /, /Server deleted/],
];

/**
 * Applies server changes through HAProxy's admin socket, in an order that never
 * shrinks capacity first: adds, then updates, then removals. A removed server is put
 * in maintenance (no new requests; in-flight ones finish) and deleted later by
 * `sweep` once it holds no connection. A batch with a command outside the grammar is
 * not sent at all. The commands go on as few lines as fit (HAProxy runs every command
 * of a line, whatever the one before answered); a refused command ends the batch after
 * its line. Either way the caller then takes the checked reload path, which makes
 * HAProxy equal to the config again.
 */
export class RuntimeApplier {
  readonly pending = new Map<string, PendingDeletion>();

  constructor(private readonly send: AdminCommand) {}

  async apply(changes: readonly ServerChange[], now = Date.now()): Promise<ApplyResult> {
    const steps = this.compile(changes, now);
    if (typeof steps === 'string') return { ok: false, failure: 'unsafe', reason: steps, command: '', answer: '' };
    let commands = 0;
    for (const group of lines(steps)) {
      const line = group.flatMap((step) => step.commands);
      for (const step of group) step.commit();
      commands += line.length;
      const answers = await this.send(line);
      for (const [i, command] of line.entries()) {
        const answer = (answers[i] ?? '').trim();
        const rule = SUCCESS.find(([cmd]) => cmd.test(command));
        if (rule ? rule[1].test(answer) : answer === '') continue;
        return { ok: false, failure: 'refused', reason: `HAProxy refused "${command}": ${answer || '(no answer)'}`, command, answer };
      }
    }
    return { ok: true, commands };
  }

  /**
   * Every command of the batch, in order (adds, updates, removals), each checked
   * against the grammar before any is sent: one unsafe value sends nothing at all, so
   * HAProxy is never left half way for a reason the reload will refuse anyway.
   */
  private compile(changes: readonly ServerChange[], now: number): Step[] | string {
    const order = { add: 0, update: 1, remove: 2 } as const;
    const steps: Step[] = [];
    for (const change of [...changes].sort((x, y) => order[x.op] - order[y.op])) {
      const id = `${change.backend}/${change.server}`;
      const step = this.stepFor(change, id, now);
      if (typeof step === 'string') return step;
      for (const command of step.commands) {
        const unsafe = checkCommand(command);
        if (unsafe) return `runtime command for server ${shown(id)} not sent: ${unsafe}`;
      }
      steps.push(step);
    }
    return steps;
  }

  /** Tries to delete every pending server; reports those past `timeoutMs` and any refusal that retrying cannot fix. */
  async sweep(timeoutMs: number, now = Date.now()): Promise<SweepResult> {
    const result: SweepResult = { deleted: [], overdue: [], failed: null };
    for (const [key, p] of this.pending) {
      const [answer = ''] = (await this.send([`del server ${key}`])).map((a) => a.trim());
      if (/Server deleted|No such server/i.test(answer)) {
        this.pending.delete(key);
        result.deleted.push(key);
      } else if (/still has connections|queue/i.test(answer)) {
        if (now - p.since > timeoutMs) result.overdue.push(key);
      } else {
        result.failed ??= { key, answer };
      }
    }
    return result;
  }

  /** After a reload or start the new worker has none of the pending servers. */
  clear(): void {
    this.pending.clear();
  }

  private stepFor(change: ServerChange, id: string, now: number): Step | string {
    const none = () => {};
    switch (change.op) {
      case 'add': {
        const t = change.target;
        const pending = this.pending.get(id);
        const cmds: string[] = [];
        if (pending) {
          // Still there in maintenance: bring it back instead of adding a second one.
          if (pending.fixed === null || pending.fixed !== t.fixed) return `server ${shown(id)} is still being deleted with other keywords`;
          cmds.push(`set server ${id} addr ${t.host} port ${t.port}`, `set server ${id} weight ${t.weight}`);
        } else {
          cmds.push(addServerCommand(id, t.host, t.port, t.args));
          if (t.check) cmds.push(`enable health ${id}`);
          if (t.agent) cmds.push(`enable agent ${id}`);
        }
        if (!t.disabled) cmds.push(pending ? `set server ${id} state ready` : `enable server ${id}`);
        return { commands: cmds, commit: pending ? () => this.pending.delete(id) : none };
      }
      case 'update': {
        const s = change.set;
        const cmds: string[] = [];
        if (s.host !== undefined && s.port !== undefined) cmds.push(`set server ${id} addr ${s.host} port ${s.port}`);
        if (s.weight !== undefined) cmds.push(`set server ${id} weight ${s.weight}`);
        if (s.disabled !== undefined) cmds.push(`set server ${id} state ${s.disabled ? 'maint' : 'ready'}`);
        return { commands: cmds, commit: none };
      }
      case 'remove': {
        const commit = () => this.pending.set(id, { backend: change.backend, server: change.server, fixed: change.fixed, since: now });
        return { commands: [...(change.agent ? [`disable agent ${id}`] : []), `set server ${id} state maint`], commit };
      }
    }
  }
}

/** `add server` with the server's own keywords plus the connection pool a config server would get. */
export function addServerCommand(id: string, host: string, port: number, args: readonly string[]): string {
  const pool = CONFIG_SERVER_POOL.filter(([kw]) => !args.includes(kw)).flat();
  return [`add server ${id} ${hostPort(host, port)}`, ...args, ...pool].join(' ');
}

/** Steps in order, grouped into lines of at most {@link LINE_CHARS} characters (a step never split; a longer one goes alone). */
function lines(steps: readonly Step[]): Step[][] {
  const out: Step[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const step of steps) {
    const chars = step.commands.reduce((n, c) => n + c.length + 2, 0);
    if (size + chars > LINE_CHARS) {
      out.push([]);
      size = 0;
    }
    out.at(-1)!.push(step);
    size += chars;
  }
  return out;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
