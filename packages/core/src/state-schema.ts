import { z } from 'zod';

/**
 * The schema of every component's state file, `SHARED_DIR/state/<component>.json`
 * (docs/architecture.md, "State files"), in one place: the base fields StateReporter
 * writes, plus each component's extras. A reader (`apictl status`, a test, an alert
 * script) parses with these instead of trusting the shape.
 *
 * Extras are optional: a component writes each one with the event that sets it (a
 * first publish, a first fallback), so a young state file lacks some. Objects are
 * loose (unknown keys kept): a newer component's field must not make an older
 * `apictl` call the whole file invalid; the fields named here must have these types.
 */

const errorRecord = z.looseObject({
  message: z.string(),
  code: z.string().optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});

/** The fields every component writes (core `StateReporter`). */
export const baseStateSchema = z.looseObject({
  component: z.string().min(1),
  version: z.string(),
  status: z.enum(['ok', 'degraded', 'failing']),
  current: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastError: errorRecord.extend({ at: z.string() }).nullable(),
  counters: z.record(z.string(), z.number()),
});

/** s3-sync: where the templates came from (`sync.ts`), and the retry in progress. */
export const s3SyncStateSchema = baseStateSchema.extend({
  component: z.literal('s3-sync'),
  source: z.string().optional(),
  mode: z.enum(['release', 'tree']).optional(),
  release: z.string().nullable().optional(),
  releaseMeta: z.record(z.string(), z.unknown()).nullable().optional(),
  location: z.string().optional(),
  consecutiveFailures: z.number().int().optional(),
  retryInMs: z.number().optional(),
});

/** A file the renderer publishes at its last good output because its template failed (`held.ts` describeHold). */
export const rendererHeldSchema = z.looseObject({
  file: z.string(),
  template: z.string(),
  since: z.string(),
  code: z.string(),
  reason: z.string(),
  line: z.number().optional(),
});

/** A value from Consul the renderer left out of the templates' data (`sources/refusals.ts`). */
export const rendererRefusalSchema = z.looseObject({
  query: z.string(),
  service: z.string().optional(),
  instance: z.string().optional(),
  key: z.string().optional(),
  field: z.string(),
  reason: z.string(),
});

/** renderer: held files, refused Consul values, queries without a first answer, the templates version, per-file errors. */
export const rendererStateSchema = baseStateSchema.extend({
  component: z.literal('renderer'),
  held: z.array(rendererHeldSchema).optional(),
  refused: z.array(rendererRefusalSchema).optional(),
  refusedTotal: z.number().int().optional(),
  waitingFor: z.array(z.string()).optional(),
  templates: z.string().nullable().optional(),
  errors: z.array(errorRecord).optional(),
});

/** A rendered file the supervisor runs at its last good output, or leaves out (`hold.ts` HeldFile). */
export const supervisorHeldSchema = z.looseObject({
  file: z.string(),
  template: z.string().nullable(),
  since: z.string(),
  code: z.string(),
  reason: z.string(),
  line: z.number().nullable(),
  runs: z.enum(['live', 'none']),
});

/** haproxy-supervisor: held files, the HAProxy master and workers, the last update and runtime fallback. */
export const supervisorStateSchema = baseStateSchema.extend({
  component: z.literal('haproxy-supervisor'),
  held: z.array(supervisorHeldSchema).optional(),
  haproxy: z
    .looseObject({
      running: z.boolean(),
      adopted: z.boolean().optional(),
      masterPid: z.number().nullable().optional(),
      reloads: z.number().nullable().optional(),
      failedReloads: z.number().nullable().optional(),
      workers: z.array(z.looseObject({ pid: z.number() })).optional(),
    })
    .optional(),
  lastUpdate: z.looseObject({ method: z.enum(['reload', 'runtime']), reason: z.string(), at: z.string(), commands: z.number().optional() }).optional(),
  rendered: z.string().nullable().optional(),
  lastRuntimeFallback: z.looseObject({ failure: z.string(), reason: z.string(), rendered: z.string(), at: z.string() }).optional(),
});

/** log-shipper: the local log file and back-pressure. */
export const logShipperStateSchema = baseStateSchema.extend({
  component: z.literal('log-shipper'),
  logFile: z.string().optional(),
  logFileBytes: z.number().optional(),
  inputPaused: z.boolean().optional(),
  sinkBufferBytes: z.record(z.string(), z.number()).optional(),
});

/** metrics: where the log tailer stands, and whether HAProxy's stats socket answers. */
export const metricsStateSchema = baseStateSchema.extend({
  component: z.literal('metrics'),
  position: z.looseObject({ inode: z.number(), offset: z.number() }).nullable().optional(),
  logFile: z.string().nullable().optional(),
  statsSocket: z.string().optional(),
  haproxyUp: z.boolean().nullable().optional(),
});

/** registrator: what the last pass saw; containers whose labels were refused. */
export const registratorStateSchema = baseStateSchema.extend({
  component: z.literal('registrator'),
  services: z.number().int().optional(),
  containers: z.number().int().optional(),
  refused: z.array(z.looseObject({ container: z.string(), id: z.string(), problems: z.array(z.string()) })).optional(),
});

/** Each known component's schema, by the name its state file carries. */
export const stateSchemas = {
  's3-sync': s3SyncStateSchema,
  renderer: rendererStateSchema,
  'haproxy-supervisor': supervisorStateSchema,
  'log-shipper': logShipperStateSchema,
  metrics: metricsStateSchema,
  registrator: registratorStateSchema,
} as const;

export type KnownComponent = keyof typeof stateSchemas;
export type BaseStateFile = z.infer<typeof baseStateSchema>;
export type S3SyncStateFile = z.infer<typeof s3SyncStateSchema>;
export type RendererStateFile = z.infer<typeof rendererStateSchema>;
export type SupervisorStateFile = z.infer<typeof supervisorStateSchema>;
export type LogShipperStateFile = z.infer<typeof logShipperStateSchema>;
export type MetricsStateFile = z.infer<typeof metricsStateSchema>;
export type RegistratorStateFile = z.infer<typeof registratorStateSchema>;
/** Any state file: a known component's, or the base fields of one this version does not know. */
export type AnyStateFile = RendererStateFile | SupervisorStateFile | S3SyncStateFile | LogShipperStateFile | MetricsStateFile | RegistratorStateFile | BaseStateFile;

/** Why a state file did not parse: the first few fields at fault, `path: problem`. */
export type StateParseResult = { ok: true; state: AnyStateFile } | { ok: false; problems: string[] };

/**
 * Parses a state file's JSON value: the component's own schema when it is known, the
 * base fields otherwise. Pure; never throws.
 */
export function parseStateFile(value: unknown): StateParseResult {
  const name = (value as { component?: unknown } | null)?.component;
  const schema = typeof name === 'string' && Object.hasOwn(stateSchemas, name) ? stateSchemas[name as KnownComponent] : baseStateSchema;
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, state: result.data };
  return { ok: false, problems: result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}
