import { parseStateFile } from '../../packages/core/src/state-schema.js';

/**
 * Parses a state file's text and throws, naming the fields, when it does not match its
 * component's schema (core `stateSchemas`): every test that reads a state file through
 * this also asserts the contract of docs/architecture.md "State files".
 */
export function checkedState(text: string): Record<string, any> {
  const value = JSON.parse(text) as Record<string, any>;
  const parsed = parseStateFile(value);
  if (!parsed.ok) throw new Error(`state file of ${String(value.component)} does not match its schema: ${parsed.problems.join('; ')}`);
  return value;
}
