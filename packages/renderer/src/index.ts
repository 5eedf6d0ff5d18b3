/**
 * Library API of the renderer, for `apictl validate` and tests: the pure render
 * function and the data it reads. No Consul I/O is reachable from here except the
 * sources, which the CLI does not need.
 */
export { renderTree, type RenderOptions, type RenderResult, type RenderedFile } from './render/render-tree.js';
export { buildRelease, type Manifest } from './render/manifest.js';
export { haproxyId } from './render/helpers-format.js';
export { MapDataView, fixtureDataView, type DataView, type CatalogFixture } from './data-view.js';
export * from './queries.js';
