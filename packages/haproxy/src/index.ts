export {
  parseConfigText, configFiles, isConfigFile, parseServerLine, normalize, configWords, sectionName, lastValue, optionState,
  SECTION_KINDS, type Section, type ServerLine, type ConfigLine,
} from './sections.js';
export { parseSections, fileSections, sectionSource } from './parsed-files.js';
export { parseDiagnostics, primaryDiagnostic, findingColumn, placeDiagnostic, placeDiagnostics, type Diagnostic, type PlacedDiagnostic, type ProxyDeclaration } from './diagnostics.js';
export { checkConfig, type CheckResult } from './check.js';
export { renderGlobal, checkGlobal, withGlobal, sortsBeforeGlobal, GLOBAL_FILE, LOG_RING, type GlobalOptions } from './global-section.js';
export { parseIpAddress, toRuntimeServer, type RuntimeServer, type ServerSettable } from './server-keywords.js';
export { parseBinds, parseAddress, newBinds, type BindAddress } from './binds.js';
export { checkPolicy, matchesDirective, type PolicyViolation, type PolicyCode } from './policy/check.js';
export { parsePolicy, policySchema, POLICY_FILE, type Policy, type PolicyRule, type PolicyParseError } from './policy/schema.js';
export { DEFAULT_POLICY, EVERYWHERE_FORBIDDEN, GLOBAL_FORBIDDEN, TEAM_FORBIDDEN, PLATFORM_SECTIONS } from './policy/default.js';
export { resolvePolicy, type ResolvedPolicy } from './policy/resolve.js';
export { globToRegExp } from './policy/glob.js';
