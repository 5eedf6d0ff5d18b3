import { ConsulClient, MapDataView, parseConsulAddr, sourceFor, type DataView, type Query, type Refusal } from '@api-server/renderer';
import { cliError } from '../error-codes.js';

/**
 * `apictl validate --consul`: answers the templates' queries from a live Consul with
 * the renderer's own sources (one non-blocking fetch each), so a PR is checked against
 * exactly what a node would render.
 */
export class ConsulSnapshot {
  readonly values = new Map<string, unknown>();
  readonly view: DataView = new MapDataView(this.values);
  /** Values the renderer's sources left out (control characters, bad addresses...), as a node would. */
  readonly refused: Refusal[] = [];
  private readonly client: ConsulClient;
  private readonly addr: string;

  constructor(addr: string, token = process.env.CONSUL_HTTP_TOKEN) {
    const address = parseConsulAddr(addr, process.env.CONSUL_HTTP_SSL === 'true');
    if (typeof address === 'string') throw cliError('CONSUL_ADDR_INVALID', `--consul: ${address}`, { context: { addr } });
    this.addr = addr;
    this.client = new ConsulClient(address, { token, waitSeconds: 0, observer: { refused: (_query, list) => this.refused.push(...list) } });
  }

  /** Fetches every query not answered yet. */
  async answer(queries: readonly Query[]): Promise<void> {
    const signal = AbortSignal.timeout(10_000);
    try {
      await Promise.all(
        queries
          .filter((q) => !this.values.has(q.id))
          .map(async (q) => {
            try {
              this.values.set(q.id, (await sourceFor(q, this.client).fetch({ index: undefined, signal })).value);
            } catch (err) {
              throw cliError('CONSUL_UNREACHABLE', `--consul ${this.addr}: ${(err as Error).message}`, { cause: err, context: { query: q.id, addr: this.addr } });
            }
          }),
      );
    } finally {
      // Keep-alive sockets would hold the CLI process open.
      this.client.destroy();
    }
  }
}
