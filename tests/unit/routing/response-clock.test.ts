import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { clockSchedule, decideStep, workingDeadline } from '../../../src/routing/response-clock.js';
import { parseWorkingHours } from '../../../src/routing/working-hours.js';

const hours = parseWorkingHours({ 'mon-fri': '09:00-17:00' });
if (typeof hours === 'string') throw new Error(hours);
const lisbon = { timezone: 'Europe/Lisbon', workingHours: hours };
const at = (iso: string) => new Date(iso);

describe('the response clock counts the assignee’s working hours', () => {
  it('counts every minute for someone with no hours', () => {
    expect(workingDeadline(at('2026-12-07T22:00:00Z'), 60, undefined)).toEqual(at('2026-12-07T23:00:00Z'));
    expect(workingDeadline(at('2026-12-07T22:00:00Z'), 60, { timezone: 'UTC', workingHours: null })).toEqual(
      at('2026-12-07T23:00:00Z'),
    );
  });

  it('does not count the night: a mention at 22:00 to someone starting at 09:00 is due the next morning', () => {
    // Monday 22:00 in Lisbon (UTC in December): an hour's target ends Tuesday 10:00.
    expect(workingDeadline(at('2026-12-07T22:00:00Z'), 60, lisbon)).toEqual(at('2026-12-08T10:00:00Z'));
    // Not late at 09:05.
    expect(workingDeadline(at('2026-12-07T22:00:00Z'), 60, lisbon).getTime()).toBeGreaterThan(
      at('2026-12-08T09:05:00Z').getTime(),
    );
  });

  it('carries what is left of the target over the weekend, in the person’s own time zone', () => {
    // Friday 16:30 in Lisbon with a 60-minute target: 30 minutes on Friday, 30 on Monday morning.
    expect(workingDeadline(at('2026-12-11T16:30:00Z'), 60, lisbon)).toEqual(at('2026-12-14T09:30:00Z'));
    // The same hours in Tokyo (UTC+9): 09:00 there is 00:00 UTC.
    const tokyo = { timezone: 'Asia/Tokyo', workingHours: hours };
    expect(workingDeadline(at('2026-12-07T23:00:00Z'), 30, tokyo)).toEqual(at('2026-12-08T00:30:00Z'));
  });
});

describe('the chain of steps', () => {
  const policy = compilePolicy(PolicyFileSchema.parse({}));

  it('reminds at half the target and hands over at the target; the owner only for urgent and high', () => {
    const start = at('2026-12-07T10:00:00Z');
    expect(clockSchedule(policy, start, 'normal', 240, undefined)).toEqual([
      { step: 'remind', at: at('2026-12-07T12:00:00Z') },
      { step: 'offer', at: at('2026-12-07T14:00:00Z') },
    ]);
    expect(clockSchedule(policy, start, 'urgent', 15, undefined)).toEqual([
      { step: 'remind', at: at('2026-12-07T10:08:00Z') },
      { step: 'offer', at: at('2026-12-07T10:15:00Z') },
      { step: 'owner', at: at('2026-12-07T10:30:00Z') },
    ]);
  });

  it('takes its shares from the policy', () => {
    const custom = compilePolicy(
      PolicyFileSchema.parse({ responseClock: { remindAt: 0.25, offerAt: 2, ownerAt: { high: 4 } } }),
    );
    const steps = clockSchedule(custom, at('2026-12-07T10:00:00Z'), 'high', 60, undefined);
    expect(steps.map((s) => [s.step, s.at.toISOString()])).toEqual([
      ['remind', '2026-12-07T10:15:00.000Z'],
      ['offer', '2026-12-07T12:00:00.000Z'],
      ['owner', '2026-12-07T14:00:00.000Z'],
    ]);
  });

  it('fires a due step, ends a stopped clock’s quietly, and records a step overtaken by the next as missed', () => {
    const dueAt = at('2026-12-07T12:00:00Z');
    const now = at('2026-12-07T12:00:30Z');
    expect(
      decideStep({ stopped: undefined, dueAt, nextDueAt: at('2026-12-07T14:00:00Z') }, now),
    ).toMatchObject({
      fire: true,
      outcome: 'fired',
    });
    expect(decideStep({ stopped: 'answered', dueAt, nextDueAt: undefined }, now)).toMatchObject({
      fire: false,
      outcome: 'stopped',
    });
    // Down for three hours: the reminder comes after the hand-over was due, so it is not sent.
    expect(
      decideStep(
        { stopped: undefined, dueAt, nextDueAt: at('2026-12-07T14:00:00Z') },
        at('2026-12-07T15:00:00Z'),
      ),
    ).toMatchObject({
      fire: false,
      outcome: 'missed',
    });
  });
});
