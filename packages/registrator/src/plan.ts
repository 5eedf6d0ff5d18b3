import { OWNER, type Registration } from './registrations.js';

/** A service as `GET /v1/agent/services` answers it (the fields compared). */
export interface AgentService {
  ID: string;
  Service: string;
  Tags?: string[] | null;
  Meta?: Record<string, string> | null;
  Address: string;
  Port: number;
}

export interface SyncPlan {
  /** Missing from the agent: registered. */
  add: Registration[];
  /** Present but different: registered again in place (same ID, no deregistration). */
  update: Registration[];
  /** Ours, and their container no longer runs (or no longer asks for them). */
  remove: string[];
  unchanged: number;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameMeta = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** True when registering `want` again would change nothing the agent holds. */
function sameRegistration(want: Registration, have: AgentService): boolean {
  return (
    want.Name === have.Service &&
    want.Address === have.Address &&
    want.Port === have.Port &&
    sameList(want.Tags, have.Tags ?? []) &&
    sameMeta(want.Meta, have.Meta ?? {})
  );
}

/**
 * The difference between what should be registered and what the agent holds. Only
 * services carrying this node's marker are ever removed, and never one whose container
 * is still running but could not be read this pass (`keepContainers`: refused, or its
 * inspect failed): a live container is not deregistered on a hiccup.
 */
export function planSync(desired: Registration[], agent: AgentService[], opts: { nodeName: string; keepContainers: ReadonlySet<string> }): SyncPlan {
  const have = new Map(agent.map((s) => [s.ID, s]));
  const wanted = new Set(desired.map((r) => r.ID));
  const plan: SyncPlan = { add: [], update: [], remove: [], unchanged: 0 };
  for (const want of desired) {
    const current = have.get(want.ID);
    if (!current) plan.add.push(want);
    else if (!sameRegistration(want, current)) plan.update.push(want);
    else plan.unchanged++;
  }
  for (const s of agent) {
    if (s.Meta?.[OWNER.node] !== opts.nodeName || wanted.has(s.ID)) continue;
    if (opts.keepContainers.has(s.Meta?.[OWNER.container] ?? '')) continue;
    plan.remove.push(s.ID);
  }
  plan.remove.sort();
  return plan;
}
