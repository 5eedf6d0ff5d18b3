import { describe, expect, it } from 'vitest';
import { planSync, type AgentService } from './plan.js';
import { OWNER, type Registration } from './registrations.js';

const reg = (id: string, container: string, over: Partial<Registration> = {}): Registration => ({
  ID: id,
  Name: 'web',
  Tags: ['a'],
  Address: '10.0.0.5',
  Port: 1000,
  Meta: { [OWNER.node]: 'node-a', [OWNER.container]: container, [OWNER.check]: 'tcp,10s,2s,10m' },
  Check: { Name: 'web', TCP: '10.0.0.5:1000', Interval: '10s', Timeout: '2s', DeregisterCriticalServiceAfter: '10m' },
  ...over,
});
const asAgent = (r: Registration): AgentService => ({ ID: r.ID, Service: r.Name, Tags: [...r.Tags], Meta: { ...r.Meta }, Address: r.Address, Port: r.Port });
const foreign: AgentService = { ID: 'manual-1', Service: 'db', Tags: [], Meta: {}, Address: '10.0.0.9', Port: 5432 };
const otherNode: AgentService = { ...asAgent(reg('node-b:x:80', 'cb')), Meta: { [OWNER.node]: 'node-b', [OWNER.container]: 'cb' } };

const run = (desired: Registration[], agent: AgentService[], keep: string[] = []) => {
  const p = planSync(desired, agent, { nodeName: 'node-a', keepContainers: new Set(keep) });
  return { add: p.add.map((r) => r.ID), update: p.update.map((r) => r.ID), remove: p.remove, unchanged: p.unchanged };
};

describe('planSync', () => {
  const a = reg('node-a:a:80', 'ca');
  const b = reg('node-a:b:80', 'cb');
  it.each<[string, Registration[], AgentService[], string[], ReturnType<typeof run>]>([
    ['nothing registered yet', [a, b], [], [], { add: [a.ID, b.ID], update: [], remove: [], unchanged: 0 }],
    ['identical: nothing to do (no flap on resync)', [a, b], [asAgent(a), asAgent(b)], [], { add: [], update: [], remove: [], unchanged: 2 }],
    ['a port changed: updated in place, not removed', [{ ...a, Port: 2000 }], [asAgent(a)], [], { add: [], update: [a.ID], remove: [], unchanged: 0 }],
    ['tags reordered count as a change', [{ ...a, Tags: ['b', 'a'] }], [{ ...asAgent(a), Tags: ['a', 'b'] }], [], { add: [], update: [a.ID], remove: [], unchanged: 0 }],
    ['the check changed (meta carries it)', [{ ...a, Meta: { ...a.Meta, [OWNER.check]: 'tcp,1s,2s,10m' } }], [asAgent(a)], [], { add: [], update: [a.ID], remove: [], unchanged: 0 }],
    ['null tags and meta from the agent read as empty', [{ ...a, Tags: [], Meta: {} }], [{ ...asAgent(a), Tags: null, Meta: null }], [], { add: [], update: [], remove: [], unchanged: 1 }],
    ['our orphan is removed', [a], [asAgent(a), asAgent(b)], [], { add: [], update: [], remove: [b.ID], unchanged: 1 }],
    ['services without our marker are never touched', [], [foreign, otherNode], [], { add: [], update: [], remove: [], unchanged: 0 }],
    ['a running container that was refused keeps what it had', [], [asAgent(a)], ['ca'], { add: [], update: [], remove: [], unchanged: 0 }],
  ])('%s', (_name, desired, agent, keep, expected) => {
    expect(run(desired, agent, keep)).toEqual(expected);
  });
});
