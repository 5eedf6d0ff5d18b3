import { cliCommand } from '../haproxy/cli.js';
import type { ServerChange } from './plan-runtime.js';

/** Sends one command on the admin socket and returns HAProxy's answer. */
export type AdminCommand = (command: string) => Promise<string>;

export function adminSocketCommand(socketPath: string): AdminCommand {
  return (command) => cliCommand(socketPath, command, { timeoutMs: 5000 });
}

/** A server put in maintenance because the config dropped it; deleted once idle. */
export interface PendingDeletion {
  backend: string;
  server: string;
  /** Keywords it was created with (to reuse it when the same server comes back), null if unknown. */
  fixed: string | null;
  since: number;
}

export type ApplyResult = { ok: true; commands: number } | { ok: false; reason: string; command: string; answer: string };

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
 * `sweep` once it holds no connection. The first refused command stops the batch:
 * the caller then reloads, which makes HAProxy equal to the config again.
 */
export class RuntimeApplier {
  readonly pending = new Map<string, PendingDeletion>();

  constructor(private readonly send: AdminCommand) {}

  async apply(changes: readonly ServerChange[], now = Date.now()): Promise<ApplyResult> {
    let commands = 0;
    const run = async (command: string): Promise<{ command: string; answer: string } | null> => {
      commands++;
      const answer = (await this.send(command)).trim();
      const rule = SUCCESS.find(([cmd]) => cmd.test(command));
      const ok = rule ? rule[1].test(answer) : answer === '';
      return ok ? null : { command, answer };
    };
    const order = { add: 0, update: 1, remove: 2 } as const;
    for (const change of [...changes].sort((x, y) => order[x.op] - order[y.op])) {
      const id = `${change.backend}/${change.server}`;
      const cmds = this.commandsFor(change, id, now);
      if (typeof cmds === 'string') return { ok: false, reason: cmds, command: '', answer: '' };
      for (const command of cmds) {
        const failed = await run(command);
        if (failed) return { ok: false, reason: `HAProxy refused "${failed.command}": ${failed.answer || '(no answer)'}`, ...failed };
      }
    }
    return { ok: true, commands };
  }

  /** Tries to delete every pending server; reports those past `timeoutMs` and any refusal that retrying cannot fix. */
  async sweep(timeoutMs: number, now = Date.now()): Promise<SweepResult> {
    const result: SweepResult = { deleted: [], overdue: [], failed: null };
    for (const [key, p] of this.pending) {
      const answer = (await this.send(`del server ${key}`)).trim();
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

  private commandsFor(change: ServerChange, id: string, now: number): string[] | string {
    switch (change.op) {
      case 'add': {
        const t = change.target;
        const pending = this.pending.get(id);
        const cmds: string[] = [];
        if (pending) {
          // Still there in maintenance: bring it back instead of adding a second one.
          if (pending.fixed === null || pending.fixed !== t.fixed) return `server ${id} is still being deleted with other keywords`;
          this.pending.delete(id);
          cmds.push(`set server ${id} addr ${t.host} port ${t.port}`, `set server ${id} weight ${t.weight}`);
        } else {
          cmds.push(`add server ${id} ${hostPort(t.host, t.port)} ${t.args.join(' ')}`.trimEnd());
          if (t.check) cmds.push(`enable health ${id}`);
          if (t.agent) cmds.push(`enable agent ${id}`);
        }
        if (!t.disabled) cmds.push(pending ? `set server ${id} state ready` : `enable server ${id}`);
        return cmds;
      }
      case 'update': {
        const s = change.set;
        const cmds: string[] = [];
        if (s.host !== undefined && s.port !== undefined) cmds.push(`set server ${id} addr ${s.host} port ${s.port}`);
        if (s.weight !== undefined) cmds.push(`set server ${id} weight ${s.weight}`);
        if (s.disabled !== undefined) cmds.push(`set server ${id} state ${s.disabled ? 'maint' : 'ready'}`);
        return cmds;
      }
      case 'remove': {
        this.pending.set(id, { backend: change.backend, server: change.server, fixed: change.fixed, since: now });
        return [...(change.agent ? [`disable agent ${id}`] : []), `set server ${id} state maint`];
      }
    }
  }
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
