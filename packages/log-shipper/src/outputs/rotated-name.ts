/**
 * The names of a log's rotations, the contract between the log-shipper (which
 * writes them) and the metrics sidecar (which reads them back after a restart):
 * `haproxy.log.N` (plain, not compressed yet) and `haproxy.log.N.gz`, N from 1
 * (newest) upwards.
 */
export interface RotatedName {
  /** 1 = the newest rotation. */
  index: number;
  gz: boolean;
}

/** `haproxy.log.7.gz` -> `{ index: 7, gz: true }` for `base` = `haproxy.log`; undefined for any other name (`.tmp` included). */
export function parseRotatedName(name: string, base: string): RotatedName | undefined {
  if (!name.startsWith(`${base}.`)) return undefined;
  const m = /^([1-9][0-9]{0,5})(\.gz)?$/.exec(name.slice(base.length + 1));
  return m ? { index: Number(m[1]), gz: m[2] !== undefined } : undefined;
}
