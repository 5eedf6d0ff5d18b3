#!/usr/bin/env node
// `apictl-dev`: the developer kit's own executable (scripts/dev.sh runs it).
import { processIo, quietOnEpipe } from '@api-server/cli';
import { devkitCommand } from './kit.js';

quietOnEpipe(process.stdout);
process.exitCode = await devkitCommand.run(process.argv.slice(2), processIo);
