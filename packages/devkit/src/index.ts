// What `apictl dev` loads from the built kit (packages/cli/src/commands/dev.ts imports dist/index.js).
// The tests import the kit's modules directly (test/helpers), the `apictl-dev` bin runs dist/main.js.
export { devkitCommand } from './kit.js';
