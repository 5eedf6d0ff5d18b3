/**
 * Library API of the renderer, for `apictl validate` and tests: the pure render
 * function and the data it reads, and the Consul sources themselves, so that
 * `apictl validate --consul` reads Consul exactly as a node does.
 */
export { renderTree, type RenderOptions, type RenderResult, type RenderedFile, type FileFailure } from './render/render-tree.js';
export { RenderWorker, type RenderWorkerOptions, type RenderJob, type RenderData } from './render/render-worker.js';
export { DEFAULT_LIMITS } from './render/limits.js';
export { applyTotalCap } from './held.js';
export { buildRelease, type Manifest } from './render/manifest.js';
export { HELPER_NAMES } from './render/helper-names.js';
export type { Refusal } from './sources/refusals.js';
/** The one rule for a value that goes into Consul and from there into config (the registrator checks labels with it). */
export { textProblem as consulValueProblem } from './sources/untrusted.js';
export { MapDataView, fixtureDataView, fixtureRefusals, type DataView, type CatalogFixture } from './data-view.js';
export type { Query } from './queries.js';
export { sourceFor } from './sources/index.js';
export { ConsulClient } from './sources/consul-client.js';
export { parseConsulAddr } from './sources/consul-addr.js';
