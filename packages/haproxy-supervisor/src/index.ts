export { envShape, envPrefixes, syslogTargets, haproxyTimeMs } from './config.js';
export { renderGlobal, GLOBAL_FILE, LOG_RING, type GlobalOptions } from './global-section.js';
export { parseDiagnostics, primaryDiagnostic, type Diagnostic } from './haproxy/diagnostics.js';
export { parseShowProc, judgeReload, currentWorker, type ProcTable, type ProcEntry } from './haproxy/show-proc.js';
export { cliCommand } from './haproxy/cli.js';
export { planApply, type ApplyPlan, type ApplyMethod } from './plan.js';
export { readManifest, locate, type Manifest, type ConfigLocation } from './manifest.js';
