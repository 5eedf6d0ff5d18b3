#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { createS3Client } from '@api-server/release';
import { envPrefixes, envShape, maxSilenceMs } from './config.js';
import { createSyncMetrics } from './metrics.js';
import { TemplatesOutput } from './outputs/templates.js';
import { DirectorySource } from './sources/directory.js';
import { S3ReleaseSource } from './sources/s3-release.js';
import { runSync, sourceHooks } from './sync.js';
import { cacheFromFiles } from './tree.js';

await runComponent({
  component: 's3-sync',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9701',
  env: envShape,
  envPrefixes,
  maxSilenceMs: maxSilenceMs(process.env.SYNC_INTERVAL_MS),
  start: async ({ env, log, registry, state, signal, beat }) => {
    const metrics = createSyncMetrics(registry);
    const output = new TemplatesOutput(env.SHARED_DIR);
    const limits = { maxObjectBytes: env.S3_MAX_OBJECT_BYTES, maxObjects: env.S3_MAX_OBJECTS };

    // Last good across restarts: an existing version is served (and ready) before S3 answers.
    const last = await output.lastGood().catch((err: unknown) => {
      log.warn({ err, root: output.root }, 'templates/current unreadable; starting without a last good version');
      return null;
    });
    if (last) await state.update({ current: last.id });

    const location = env.SOURCE_URL;
    let source: S3ReleaseSource | DirectorySource;
    if (location.kind === 's3') {
      const client = await createS3Client(env);
      source = new S3ReleaseSource({ client, ...location, ...limits, concurrency: env.S3_CONCURRENCY, hooks: sourceHooks(metrics, state, log, beat) });
      if (last) source.seed(cacheFromFiles(last.files));
    } else {
      source = new DirectorySource(location.dir, limits);
    }
    log.info({ source: source.id, current: last?.id ?? null, intervalMs: env.SYNC_INTERVAL_MS }, 'syncing');

    const done = runSync({ source, output, metrics, registry, state, log, sharedDir: env.SHARED_DIR, intervalMs: env.SYNC_INTERVAL_MS, signal, beat, initialId: last?.id }).catch(
      (err: unknown) => {
        log.fatal({ err }, 'sync loop crashed');
        process.exit(1);
      },
    );
    return {
      ready: () => (state.state.current ? null : 'no template version published yet'),
      stop: () => done,
    };
  },
});
