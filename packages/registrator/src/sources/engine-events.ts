/** One engine event, the fields used (measured here: `Type, Action, Actor{ID, Attributes}`). */
export interface EngineEvent {
  type: string;
  action: string;
  id: string;
}

/**
 * Splits the `/events` stream (one JSON object per line, chunked at arbitrary byte
 * boundaries) into events. Keeps the unfinished tail between chunks; a line that is
 * not an event object is skipped (and counted by the caller), never fatal. A line over
 * `maxLine` bytes is dropped: events are small, and the buffer must not grow unbounded.
 */
export class EventLineParser {
  private tail = '';
  skipped = 0;

  constructor(private readonly maxLine = 1 << 20) {}

  push(chunk: string): EngineEvent[] {
    const lines = (this.tail + chunk).split('\n');
    this.tail = lines.pop() ?? '';
    if (this.tail.length > this.maxLine) {
      this.tail = '';
      this.skipped++;
    }
    const out: EngineEvent[] = [];
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = parseEvent(line);
      if (event) out.push(event);
      else this.skipped++;
    }
    return out;
  }
}

function parseEvent(line: string): EngineEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  const b = body as { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown } };
  if (typeof b.Type !== 'string' || typeof b.Action !== 'string') return undefined;
  return { type: b.Type, action: b.Action, id: typeof b.Actor?.ID === 'string' ? b.Actor.ID : '' };
}

/** Actions after which the set of running containers (or their ports) may differ. */
export const RELEVANT_ACTIONS = new Set(['start', 'restart', 'unpause', 'die', 'stop', 'kill', 'pause', 'destroy', 'rename', 'update']);
