/** `@api-server/metrics`: the log-derived (:3803) and stats-socket (:9101) exporters. */
export { envShape, DEFAULT_METRICS_ADDR, underShared, type MetricsEnv } from './config.js';
export { HaproxyExporter, type HaproxyExporterOptions } from './exporter/exporter.js';
export { renderExporter, renderExporterAsync, type ScrapeResult, type RenderResult } from './exporter/render.js';
export { parseStatCsv, parseInfo, splitCsvLine, type StatTable } from './exporter/stat-csv.js';
export { queryStatsSocket } from './sources/stats-socket.js';
export { FileTailer, type TailEvent, type TailerOptions } from './sources/tailer.js';
export { loadPosition, parsePosition, PositionWriter, type TailPosition } from './sources/position.js';
export { LogMetrics, codeClass, terminationState, DURATION_BUCKETS, type LineResult } from './logs/log-metrics.js';
export { CounterFamily, HistogramFamily, renderFamilies, streamFamilies, OVERFLOW_LABEL, type SeriesLimits, type ChunkWriter } from './logs/series-store.js';
export { LogPipeline } from './logs/pipeline.js';
export { startTextEndpoint, type TextEndpoint } from './outputs/text-endpoint.js';
