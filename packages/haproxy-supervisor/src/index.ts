export { envShape, envPrefixes, syslogTargets, haproxyTimeMs } from './config.js';
export { parseShowProc, judgeReload, currentWorker, type ProcTable, type ProcEntry } from './haproxy/show-proc.js';
export { cliCommand } from './haproxy/cli.js';
export { planApply, summarize, type ApplyPlan, type ApplyMethod } from './plan.js';
export { planRuntime, type RuntimePlan, type ServerChange } from './runtime/plan-runtime.js';
export { filterServerState, configuredServers } from './haproxy/server-state.js';
export { DRAIN_VAR } from './haproxy/drain.js';
export { readManifest, locate, type Manifest, type ConfigLocation } from './manifest.js';
