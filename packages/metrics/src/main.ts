#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { DEFAULT_METRICS_ADDR, envPrefixes, envShape } from './config.js';
import { startMetrics } from './start.js';

await runComponent({
  component: 'metrics',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: DEFAULT_METRICS_ADDR,
  env: envShape,
  envPrefixes,
  start: startMetrics,
});
