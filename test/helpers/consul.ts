// One implementation for `apictl-dev` (packages/devkit) and the tests: a real consul agent -dev on loopback.
export { ConsulDev, consulBin } from '../../packages/devkit/src/consul-dev.js';
