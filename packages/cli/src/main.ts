#!/usr/bin/env node
// The `apictl` executable: everything else is importable without side effects.
import { runApictl } from './cli.js';
import { processIo } from './workflow/command-io.js';
import { quietOnEpipe } from './workflow/epipe.js';

quietOnEpipe(process.stdout);
process.exitCode = await runApictl(process.argv.slice(2), processIo);
