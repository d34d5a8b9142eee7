import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POLICY_SCHEMA_PATH, policyJsonSchema } from '../../../scripts/policy-schema.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { isOnShift, parseWorkingHours } from '../../../src/routing/working-hours.js';
import { parseYamlText } from '../../../src/routing/yaml-file.js';
import { examplePolicy } from './fixtures.js';

describe('the policy file', () => {
  it('the published JSON Schema is the one the zod schema generates (run npm run policy:schema)', () => {
    expect(readFileSync(POLICY_SCHEMA_PATH, 'utf8')).toBe(policyJsonSchema());
  });

  it('the example policy for Harbour Street Bikes loads', () => {
    expect(examplePolicy.topics.map((t) => t.name)).toEqual([
      'billing',
      'orders',
      'repairs',
      'ebikes',
      'rentals',
    ]);
    expect(examplePolicy.rules.length).toBeGreaterThan(0);
  });

  it('an unknown team in a rule is refused with the line and the field', () => {
    const yaml = [
      'teams:',
      '  workshop: { members: [U0SAM0001] }',
      'rules:',
      '  - name: Billing',
      '    do:',
      '      assign: { team: accounts }',
      '',
    ].join('\n');
    expect(() => parseYamlText(yaml, PolicyFileSchema, 'policy.yaml')).toThrow(
      'policy.yaml:6: rules.0.do.assign.team: no team "accounts"',
    );
  });

  it('a broken regex and a misspelt field are refused with their lines', () => {
    const yaml = ['topics:', '  orders:', "    regexes: ['order(']", 'escalaton: {}', ''].join('\n');
    let message = '';
    try {
      parseYamlText(yaml, PolicyFileSchema, 'policy.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('policy.yaml:3: topics.orders.regexes.0: a valid regular expression');
    expect(message).toMatch(/policy\.yaml:\d*:? ?.*escalaton/);
  });

  it('a rule that both escalates and drops is refused', () => {
    const result = PolicyFileSchema.safeParse({ rules: [{ name: 'x', do: { escalate: 'a', drop: 'b' } }] });
    expect(result.success).toBe(false);
  });
});

describe('working hours', () => {
  it('reads day ranges and knows who is on shift in their own time zone', () => {
    const hours = parseWorkingHours({ 'mon-fri': '09:00-17:30', sat: '10:00-14:00' });
    if (typeof hours === 'string') throw new Error(hours);
    // 16:45 UTC on a Tuesday is 17:45 in Lisbon (summer time) but 16:45 in UTC.
    const at = new Date('2025-05-06T16:45:00Z');
    expect(isOnShift(hours, 'Europe/Lisbon', at)).toBe(false);
    expect(isOnShift(hours, 'UTC', at)).toBe(true);
    expect(isOnShift(hours, 'UTC', new Date('2025-05-11T11:00:00Z'))).toBe(false); // Sunday
  });

  it('a night shift runs past midnight', () => {
    const hours = parseWorkingHours({ fri: '22:00-06:00' });
    if (typeof hours === 'string') throw new Error(hours);
    expect(isOnShift(hours, 'UTC', new Date('2025-05-10T03:00:00Z'))).toBe(true); // Saturday 03:00
    expect(isOnShift(hours, 'UTC', new Date('2025-05-10T07:00:00Z'))).toBe(false);
  });

  it('names what is wrong in hand-written hours', () => {
    expect(parseWorkingHours({ weekdays: '09:00-17:00' })).toBe(
      '"weekdays" is not a day or day range such as mon-fri',
    );
    expect(parseWorkingHours({ mon: '9-5' })).toBe('"9-5" is not a time range such as 09:00-17:30');
  });
});
