import type { DevPodSummary } from './dev-pod.js';

/**
 * What the engineer reads once the pod routes: every address (HTTP, TCP, stats, every
 * /metrics), how to add an instance, the status command with the right shared
 * directory, where logs are. Pure, so the lines are checked in a unit test.
 */
export function bannerLines(s: DevPodSummary, workDir: string): string[] {
  const consul = s.consul.replace(/^https?:\/\//, '');
  return [
    '',
    `The pod is routing (containers run as ${s.runner}). Try:`,
    `  curl -H 'Host: web.localhost' ${s.http}/      # round robin over web-1, web-2`,
    `  curl -H 'Host: api.localhost' ${s.http}/      # api-1`,
    `  curl ${s.http}/api/                             # path prefix route to api`,
    '',
    'Listening:',
    `  HTTP      ${s.http}`,
    ...(s.tcp ? [`  TCP       ${s.tcp} (postgres route)`] : []),
    `  stats     ${s.stats}`,
    ...Object.entries(s.containers).flatMap(([name, c]) => c.metrics.map((m) => `  metrics   ${m}  (${name})`)),
    `  Consul    ${s.consul}`,
    `  S3        ${s.s3}`,
    '',
    `Templates: ${s.templates} is watched; every save is validated and published to ${s.source}`,
    '  (errors show here with file:line; the pod keeps serving the last good release).',
    'Register an instance of your own (then route to it from a template):',
    `  apictl-dev register NAME PORT              # or: curl -X PUT -d '{"Name":"NAME","Address":"127.0.0.1","Port":PORT}' ${s.consul}/v1/agent/service/register`,
    `Pipeline status:  apictl status --shared-dir ${workDir}/containers/haproxy-supervisor/shared`,
    `Container logs:   ${s.logs}`,
    ...Object.entries(s.containers).map(([name, c]) => `  ${name.padEnd(20)} pid ${c.pid ?? '-'}  ${c.log}`),
    ...s.skipped.map((k) => `  ${k.container.padEnd(20)} not run locally: ${k.reason}`),
    '',
    `Ctrl-C stops the pod. (dev.json in ${workDir}; Consul ${consul})`,
  ];
}
