#!/usr/bin/env node
// `apictl-dev`: the developer kit's own executable (scripts/dev.sh runs it).
import { EXIT, processIo, quietOnEpipe } from '@api-server/cli';
import { devCommand } from './up.js';

quietOnEpipe(process.stdout);
const argv = process.argv.slice(2);
const sub = argv[0] === 'up' ? argv.slice(1) : argv;
if (sub.includes('--help') || sub.includes('-h')) {
  processIo.out(devCommand.help);
  process.exitCode = EXIT.ok;
} else {
  process.exitCode = await devCommand.run(sub, processIo);
}
