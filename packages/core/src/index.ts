/**
 * What other packages import from core, by name: a new export is added here on purpose
 * (an unused one is dead code, issue 11). State-file schemas are exported whole.
 */
export { PipelineError, errorFor, isAbortError, describeError, type PipelineErrorOptions } from './errors.js';
export { addressEnv, parseHostPort, intFromEnv, boolFromEnv, listFromEnv, ConfigError, parseEnv, type HostPort } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { backoffDelay, retryForever, pause, type BackoffOptions } from './backoff.js';
export { fsyncDir, writeFileAtomic } from './atomic-file.js';
export { versionId, assertSafeRelativePath, readCurrent, publishVersion, swapCurrent, type VersionFile, type PublishResult } from './versions.js';
export { readTree } from './tree.js';
export { StateReporter, type StageState } from './state.js';
// The state-file schemas are public API (docs/architecture.md "State files"): all of them.
export * from './state-schema.js';
export { createRegistry, writeTextfile, TextfileWriter } from './metrics.js';
export { listen } from './server.js';
export { type Source, type FetchResult } from './source.js';
export { watch } from './watch.js';
export { mapLimit } from './map-limit.js';
export { CurrentSource, watchCurrent, type CurrentPointer } from './current-source.js';
export { CHANGE_BUCKETS, noteChange, writeChangeRecord, readChangeRecord, secondsSince, changeBreakdown, type ChangeSeen, type ChangeRecord } from './change-timing.js';
export { packageVersion, runComponent, type ComponentContext, type ComponentHandle } from './component.js';
export { bytes } from './bytes.js';
export { z } from 'zod';
