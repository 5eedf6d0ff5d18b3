// One implementation for `apictl-dev` (packages/devkit) and the tests: free ports taken
// together (distinct), and the poll-until-true helper.
export { freePort, freePorts, waitFor } from '../../packages/devkit/src/free-port.js';
