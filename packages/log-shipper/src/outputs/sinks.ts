import { parseHeaders, type LogShipperEnv } from '../config.js';
import { HttpSink } from './http-sink.js';
import type { Sink, SinkEvents } from './sink.js';
import { StdoutSink } from './stdout-sink.js';

/** The sinks the environment asks for (SINK_STDOUT, SINK_HTTP_URL), each with its own events. */
export function createSinks(env: LogShipperEnv, eventsFor: (name: string) => SinkEvents): Sink[] {
  const sinks: Sink[] = [];
  if (env.SINK_STDOUT) sinks.push(new StdoutSink(eventsFor('stdout')));
  if (env.SINK_HTTP_URL) {
    sinks.push(
      new HttpSink({
        url: env.SINK_HTTP_URL,
        format: env.SINK_HTTP_FORMAT,
        headers: parseHeaders(env.SINK_HTTP_HEADERS),
        batchBytes: env.SINK_HTTP_BATCH_BYTES,
        batchWaitMs: env.SINK_HTTP_BATCH_WAIT_MS,
        bufferBytes: env.SINK_HTTP_BUFFER_BYTES,
        overflow: env.SINK_HTTP_OVERFLOW,
        timeoutMs: env.SINK_HTTP_TIMEOUT_MS,
        backoff: { initialMs: env.SINK_HTTP_RETRY_INITIAL_MS, maxMs: env.SINK_HTTP_RETRY_MAX_MS },
        events: eventsFor('http'),
      }),
    );
  }
  return sinks;
}
