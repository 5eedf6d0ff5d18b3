import { isAbortError } from '@api-server/core';
import type { ConsulAgent } from './outputs/consul-agent.js';
import type { EngineClient } from './sources/engine-client.js';
import { containerFromInspect, type ContainerInfo } from './sources/container.js';
import { planSync } from './plan.js';
import { planContainer, type Registration, type RegistrationDefaults } from './registrations.js';
import { registratorError } from './error-codes.js';

/** A running container whose labels were refused: named in the state file. */
export interface Refusal {
  container: string;
  id: string;
  problems: string[];
}

/** What one pass found and did. */
export interface ReconcileOutcome {
  containers: number;
  services: number;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: number;
  ignored: number;
  refused: Refusal[];
}

/**
 * One full pass: the running containers from the engine, the registrations they ask
 * for, the agent's current services, and only the difference applied. The same pass
 * runs for an event, a periodic resync, a reconnect or a start, so the outcome does
 * not depend on which events were seen. Inspect bodies are cached per container id
 * (a container's config does not change while it runs); `forget` drops an entry when an
 * event says the container (re)started, and the periodic resync drops them all.
 */
export class Reconciler {
  private readonly inspected = new Map<string, ContainerInfo>();

  constructor(
    private readonly engine: EngineClient,
    private readonly consul: ConsulAgent,
    private readonly defaults: RegistrationDefaults,
  ) {}

  forget(id?: string): void {
    if (id === undefined) this.inspected.clear();
    else this.inspected.delete(id);
  }

  async run(signal: AbortSignal): Promise<ReconcileOutcome> {
    const running = await this.runningContainers(signal);
    const desired: Registration[] = [];
    const refused: Refusal[] = [];
    const keep = new Set<string>();
    let ignored = 0;
    for (const c of running) {
      const plan = planContainer(c, this.defaults);
      if ('problems' in plan) {
        refused.push({ container: c.name.slice(0, 128), id: c.id.slice(0, 12), problems: plan.problems });
        keep.add(c.id);
      } else {
        desired.push(...plan.registrations);
        if (plan.ignored) ignored++;
      }
    }
    const agent = await this.consul.services(signal);
    const sync = planSync(desired, agent, { nodeName: this.defaults.nodeName, keepContainers: keep });
    const failures: Array<{ id: string; err: unknown }> = [];
    const apply = async (id: string, op: () => Promise<void>) => {
      try {
        await op();
      } catch (err) {
        if (signal.aborted && isAbortError(err)) throw err;
        failures.push({ id, err });
      }
    };
    for (const reg of [...sync.add, ...sync.update]) await apply(reg.ID, () => this.consul.register(reg, signal));
    for (const id of sync.remove) await apply(id, () => this.consul.deregister(id, signal));
    if (failures.length > 0) {
      const first = failures[0]!;
      throw registratorError('REGISTRATION_FAILED', `${failures.length} of ${sync.add.length + sync.update.length + sync.remove.length} agent changes failed; first (${first.id}): ${(first.err as Error).message ?? String(first.err)}`, {
        cause: first.err,
        context: { failed: failures.map((f) => f.id).slice(0, 20) },
      });
    }
    return {
      containers: running.length,
      services: desired.length,
      added: sync.add.map((r) => r.ID),
      updated: sync.update.map((r) => r.ID),
      removed: sync.remove,
      unchanged: sync.unchanged,
      ignored,
      refused,
    };
  }

  /** Running containers, inspected (from the cache when seen before). A container gone meanwhile is skipped. */
  private async runningContainers(signal: AbortSignal): Promise<ContainerInfo[]> {
    const { body } = await this.engine.getJson('/containers/json', signal);
    const ids = (Array.isArray(body) ? body : []).map((c) => (c as { Id?: unknown }).Id).filter((id): id is string => typeof id === 'string' && /^[0-9a-f]{12,64}$/.test(id));
    const live = new Set(ids);
    for (const id of this.inspected.keys()) if (!live.has(id)) this.inspected.delete(id);
    const out: ContainerInfo[] = [];
    for (const id of ids) {
      let info = this.inspected.get(id);
      if (!info) {
        const answer = await this.engine.getJson(`/containers/${id}/json`, signal, [200, 404]);
        const state = (answer.body as { State?: { Running?: unknown } } | undefined)?.State;
        if (answer.status === 404 || state?.Running !== true) continue;
        info = containerFromInspect(answer.body);
        this.inspected.set(id, info);
      }
      out.push(info);
    }
    return out;
  }
}
