import { parentPort, workerData } from 'node:worker_threads';
import { bytes } from '@api-server/core/base';
import type { VersionFile } from '@api-server/core';
import { fixtureDataView, MapDataView, type DataView } from '../data-view.js';
import { renderTree } from './render-tree.js';
import { toWire, type DependencyLists, type RenderRequest, type WorkerInit, type WorkerMessage } from './wire.js';

/**
 * The render worker: keeps the templates and a copy of the answer cache (updated by
 * deltas), renders on request, and says which template it starts so that the main
 * thread can blame a stuck one. Handlebars is synchronous: this thread may be busy for
 * as long as a template takes; the main thread terminates it past the time budget.
 */
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('render worker: no parent port');

const cache = new Map<string, unknown>();
let view: DataView = new MapDataView(cache);
let templates: VersionFile[] = [];
/** This worker's previous result's dependency lists (the main thread holds the same). */
let last: DependencyLists | undefined;

port.on('message', (req: RenderRequest) => {
  if (req.templates) templates = req.templates.files.map((f) => ({ path: f.path, data: bytes(f.data) }));
  if (req.fixture !== undefined) view = req.fixture === null ? new MapDataView(cache) : fixtureDataView(req.fixture);
  for (const id of req.del) cache.delete(id);
  for (const [id, value] of req.set) cache.set(id, value);
  const result = renderTree(templates, view, {
    ...init.render,
    skip: new Set(req.skip),
    onTemplate: (template) => port.postMessage({ type: 'start', seq: req.seq, template } satisfies WorkerMessage),
  });
  // Rendered outputs move to the main thread without a copy; copied files stay (the worker keeps the tree).
  const transfer = result.files.filter((f) => f.template !== null && f.data.byteOffset === 0 && f.data.byteLength === f.data.buffer.byteLength).map((f) => f.data.buffer as ArrayBuffer);
  port.postMessage({ type: 'result', seq: req.seq, result: toWire(result, last) } satisfies WorkerMessage, transfer);
  last = { dependencies: result.dependencies, usedBy: result.usedBy };
});
