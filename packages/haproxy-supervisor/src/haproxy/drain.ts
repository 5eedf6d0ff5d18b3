import { cliCommand } from './cli.js';

/**
 * The process-wide variable HAProxy's health URI reads. Templates fail `monitor-uri`
 * with it, so the load balancer in front stops sending while the node drains:
 * `monitor fail if { var(proc.haproxy_supervisor_draining) -m int gt 0 }`.
 * Unset (every fresh worker, every reload) reads as not draining.
 */
const DRAIN_VAR = 'proc.haproxy_supervisor_draining';

/**
 * Sets or clears the drain flag in the running worker. 2.6's CLI `set var` needs
 * experimental mode on that line; both go in one (cliCommand joins them).
 */
export async function setDraining(adminSocket: string, on: boolean): Promise<void> {
  const answer = await cliCommand(adminSocket, ['experimental-mode on', `set var ${DRAIN_VAR} int(${on ? 1 : 0})`], { timeoutMs: 2000 });
  if (answer.trim()) throw new Error(`HAProxy refused to set ${DRAIN_VAR}: ${answer.trim()}`);
}
