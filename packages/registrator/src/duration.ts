/**
 * Consul check durations as this package accepts them: a whole number with one unit
 * (`500ms`, `10s`, `5m`, `1h`). Go's full syntax (`1m30s`, `1.5s`) is not needed for
 * labels and a narrow grammar is easier to reason about when the value is untrusted.
 */
const DURATION = /^([1-9][0-9]{0,5})(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds, or undefined when `value` is not `<integer><ms|s|m|h>`. */
function durationMs(value: string): number | undefined {
  const m = DURATION.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
}

/** A duration within [minMs, maxMs], as an error message or null. */
export function checkDuration(value: string, minMs: number, maxMs: number): string | null {
  const ms = durationMs(value);
  if (ms === undefined) return `"${value.slice(0, 32)}" is not a duration like 500ms, 10s or 5m`;
  if (ms < minMs || ms > maxMs) return `${value} is outside ${minMs}ms..${maxMs}ms`;
  return null;
}
