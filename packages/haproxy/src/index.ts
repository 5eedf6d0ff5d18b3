export {
  parseConfigText, configFiles, sectionName, lastValue, optionState, type Section, type ServerLine,
} from './sections.js';
export { parseSections, sectionSource } from './parsed-files.js';
export { parseDiagnostics, primaryDiagnostic, findingColumn, placeDiagnostics, type Diagnostic, type ProxyDeclaration } from './diagnostics.js';
export { checkConfig, type CheckResult } from './check.js';
export { renderGlobal, checkGlobal, withGlobal, GLOBAL_FILE, type GlobalOptions } from './global-section.js';
export { parseIpAddress, toRuntimeServer, type RuntimeServer, type ServerSettable } from './server-keywords.js';
export { newBinds, type BindAddress } from './binds.js';
export { checkPolicy } from './policy/check.js';
export { POLICY_FILE, type Policy } from './policy/schema.js';
export { DEFAULT_POLICY } from './policy/default.js';
export { resolvePolicy } from './policy/resolve.js';
