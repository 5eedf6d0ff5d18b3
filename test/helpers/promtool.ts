import { spawnSync } from 'node:child_process';

/** `promtool check metrics` on a metrics body: its findings (empty when clean) and exit code. */
export function promtoolCheck(body: string): { status: number | null; findings: string } {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  return { status: result.status, findings: `${result.stdout}${result.stderr}`.trim() };
}
