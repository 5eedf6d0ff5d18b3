// The CLI as a library: the developer kit (packages/devkit) runs its commands in-process.
export { publishCommand } from './commands/publish.js';
export { EXIT, failure, processIo, type Command, type CommandIo } from './workflow/command-io.js';
export { UsageError } from './workflow/options.js';
export { quietOnEpipe } from './workflow/epipe.js';
