import { join } from 'node:path';
import { ComponentProcess, getText } from './component.js';
import { metricValue } from './pipeline.js';
import { freePorts } from './ports.js';

/** A log-shipper process on free loopback ports, `LOG_DIR` = `<dir>/logs`, `SHARED_DIR` = `<dir>/shared`. */
export interface ShipperUnderTest {
  proc: ComponentProcess;
  logDir: string;
  ports: { tcp: number; udp: number; metrics: number };
  /** One metric from its /metrics (summed over matching labels; NaN if absent). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Starts the built log-shipper and waits until it receives syslog. */
export async function startLogShipper(dir: string, env: Record<string, string> = {}): Promise<ShipperUnderTest> {
  const [tcp, udp, metrics] = (await freePorts(3)) as [number, number, number];
  const logDir = join(dir, 'logs');
  const proc = new ComponentProcess('log-shipper', {
    SHARED_DIR: join(dir, 'shared'),
    LOG_DIR: logDir,
    LOG_LEVEL: 'info',
    METRICS_ADDR: `127.0.0.1:${metrics}`,
    SYSLOG_TCP_ADDR: `127.0.0.1:${tcp}`,
    SYSLOG_UDP_ADDR: `127.0.0.1:${udp}`,
    ...env,
  }).start();
  await proc.waitForLog((l) => l.msg === 'receiving syslog');
  return {
    proc,
    logDir,
    ports: { tcp, udp, metrics },
    metric: async (name, labels = {}) => metricValue((await getText(`http://127.0.0.1:${metrics}/metrics`)).body, name, labels),
  };
}
