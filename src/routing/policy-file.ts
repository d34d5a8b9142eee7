import { compilePolicy, type Policy } from './compiled-policy.js';
import { PolicyFileSchema } from './policy.js';
import { parseYamlFile } from './yaml-file.js';

/** Reads POLICY_FILE; an invalid file stops the start with "file:line: field: message". */
export function loadPolicyFile(path: string): Policy {
  return compilePolicy(parseYamlFile(path, PolicyFileSchema));
}
