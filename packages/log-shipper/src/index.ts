/**
 * `@api-server/log-shipper`: the parsers are pure functions shared with the metrics
 * sidecar, which reads the same lines back from `LOG_DIR/haproxy.log`.
 */
export { parseSyslog, facilityName, severityName, type SyslogMessage, type SyslogFormat } from './parse/syslog.js';
export { SyslogFrameDecoder, type FrameInfo, type FrameHandler } from './parse/framing.js';
export { parseHaproxyLog, droppedAnnouncement, type HaproxyLog, type HttpLog, type TcpLog, type OtherLog, type TrafficFields } from './parse/haproxy-log.js';
export { parseLogLine, type LogRecord, type RawRecord, type SyslogFields } from './parse/record.js';
export { messageText, trimTerminator } from './parse/sanitize.js';
export { parseRotatedName, type RotatedName } from './outputs/rotated-name.js';
