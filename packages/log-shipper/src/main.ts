#!/usr/bin/env node
import { packageVersion, runComponent } from '@api-server/core';
import { startLogShipper } from './component.js';
import { envPrefixes, envShape } from './config.js';

await runComponent({
  component: 'log-shipper',
  version: packageVersion(import.meta.url),
  defaultMetricsAddr: ':9704',
  env: envShape,
  envPrefixes,
  maxSilenceMs: 30_000,
  start: startLogShipper,
});
