import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PolicyFileSchema } from '../src/routing/policy.js';

export const POLICY_SCHEMA_PATH = 'schemas/policy.schema.json';

/**
 * The JSON Schema editors use to check and complete a policy file. It
 * describes what a person writes (the input side), defaults included.
 */
export function policyJsonSchema(): string {
  const schema = z.toJSONSchema(PolicyFileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return `${JSON.stringify(
    {
      ...schema,
      $id: 'https://firsthand.dev/schemas/policy.schema.json',
      title: 'Firsthand routing policy (POLICY_FILE)',
    },
    null,
    2,
  )}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(POLICY_SCHEMA_PATH, policyJsonSchema());
  console.log(`wrote ${POLICY_SCHEMA_PATH}`);
}
