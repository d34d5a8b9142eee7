import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WeeklyHours } from '../../../src/db/schema.js';
import { availability } from '../../../src/routing/eligibility.js';
import type { ContactSnapshot, StaffSnapshot } from '../../../src/routing/snapshot.js';
import { isOnShift } from '../../../src/routing/working-hours.js';
import { examplePolicy, mention, route } from './fixtures.js';

const TEXTS = [
  'Do you stock inner tubes?',
  'Hola, ¿tenéis bicicletas de alquiler para el sábado?',
  'I was charged twice for my service, please refund me.',
  'Can you look at my gears this week?',
  'Is it safe to leave my e-bike battery on the charger overnight?',
  'Worst shop ever, rude staff and a broken bike.',
  "I'm a journalist writing a story about repair prices.",
  'Thank you, brilliant service!',
  'Crypto giveaway https://bit.ly/a https://bit.ly/b https://bit.ly/c DM me',
  'Bonjour, avez-vous des vélos à louer ce week-end?',
  'Habt ihr E-Bikes zum Mieten?',
  'Where is order #44120? It was meant to arrive on Friday.',
];
const ZONES = ['Europe/Lisbon', 'Europe/Madrid', 'America/New_York', 'Asia/Tokyo', 'UTC'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const BASE = Date.parse('2025-05-01T00:00:00Z');

const hoursArb: fc.Arbitrary<WeeklyHours | null> = fc.option(
  fc
    .array(
      fc.tuple(
        fc.constantFrom(...DAYS),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1439 }),
      ),
      { maxLength: 5 },
    )
    .map((ranges) => {
      const hours: WeeklyHours = {};
      for (const [day, start, end] of ranges)
        if (start !== end) hours[day] = [...(hours[day] ?? []), [start, end]];
      return hours;
    }),
  { nil: null },
);

const staffArb: fc.Arbitrary<StaffSnapshot[]> = fc
  .uniqueArray(
    fc.record({
      n: fc.integer({ min: 1, max: 99 }),
      role: fc.constantFrom<'owner' | 'staff'>('staff', 'staff', 'staff', 'owner'),
      skills: fc.subarray(['billing', 'orders', 'repairs', 'ebikes', 'rentals']),
      languages: fc.subarray(['en', 'es', 'pt', 'fr', 'de'], { minLength: 1 }),
      timezone: fc.constantFrom(...ZONES),
      capacity: fc.integer({ min: 1, max: 5 }),
      openConversations: fc.integer({ min: 0, max: 6 }),
      awayUntil: fc.option(
        fc.integer({ min: -10, max: 20 }).map((d) => new Date(BASE + d * 86_400_000)),
        { nil: null },
      ),
      workingHours: hoursArb,
    }),
    { minLength: 1, maxLength: 8, selector: (p) => p.n },
  )
  .map((people) => {
    // A roster has one owner at most, as the team file guarantees.
    const ownerAt = people.findIndex((p) => p.role === 'owner');
    return people.map(({ n, ...p }, i) => ({
      ...p,
      role: p.role === 'owner' && i !== ownerAt ? ('staff' as const) : p.role,
      id: `U${String(n).padStart(4, '0')}X`,
      name: `Person ${n}`,
    }));
  });

const scenario = fc.record({
  staff: staffArb,
  text: fc.constantFrom(...TEXTS),
  followers: fc.integer({ min: 0, max: 100_000 }),
  handle: fc.constantFrom('janedoe', 'alex', 'kate_writes', 'lisboncycling'),
  network: fc.constantFrom('x' as const, 'bluesky' as const, 'instagram' as const),
  now: fc.integer({ min: 0, max: 14 * 24 * 60 }).map((m) => new Date(BASE + m * 60_000)),
  waited: fc.integer({ min: 0, max: 300 }),
  history: fc.array(
    fc.record({
      pick: fc.nat(),
      daysAgo: fc.integer({ min: 0, max: 200 }),
      replied: fc.boolean(),
      network: fc.constantFrom('x', 'bluesky'),
    }),
    { maxLength: 3 },
  ),
  recentComplaints: fc.integer({ min: 0, max: 4 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const m = mention(s.text, {
    network: s.network,
    author: { handle: s.handle, followers: s.followers },
    createdAt: new Date(s.now.getTime() - s.waited * 60_000).toISOString(),
  });
  const history: ContactSnapshot[] = s.history.map((h) => ({
    staffId: s.staff[h.pick % s.staff.length]!.id,
    network: h.network,
    handle: s.handle,
    at: new Date(s.now.getTime() - h.daysAgo * 86_400_000),
    replied: h.replied,
  }));
  return { m, snap: { staff: s.staff, history, recentComplaints: s.recentComplaints } };
}

describe('routing properties', () => {
  it('never assigns to someone away, off shift or at capacity', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { m, snap } = build(s);
        const d = route(m, snap, examplePolicy, s.now);
        if (d.action !== 'assign') return;
        const person = s.staff.find((p) => p.id === d.assigneeId)!;
        expect(person).toBeDefined();
        expect(person.awayUntil === null || person.awayUntil <= s.now).toBe(true);
        expect(isOnShift(person.workingHours, person.timezone, s.now)).toBe(true);
        expect(person.openConversations).toBeLessThan(person.capacity);
        expect(availability(person, s.now).ok).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('routine work goes to the owner only when no staff member is eligible', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { m, snap } = build(s);
        const d = route(m, snap, examplePolicy, s.now);
        const owner = s.staff.find((p) => p.role === 'owner');
        const hasStaff = s.staff.some((p) => p.role === 'staff');
        // The example policy says ownerTakesRoutine: never.
        if (d.action === 'assign' && owner && hasStaff) expect(d.assigneeId).not.toBe(owner.id);
        if (d.action === 'escalate') expect(d.assigneeId).toBe(owner?.id);
      }),
      { numRuns: 300 },
    );
  });

  it('every decision has at least one reason, and a response target', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { m, snap } = build(s);
        const d = route(m, snap, examplePolicy, s.now);
        expect(d.reasons.length).toBeGreaterThan(0);
        expect(d.reasons.every((r) => r.trim().length > 0)).toBe(true);
        expect(d.responseTargetMinutes).toBeGreaterThan(0);
        expect(d.assigneeId === null).toBe(d.action === 'drop' || d.action === 'queue');
      }),
      { numRuns: 300 },
    );
  });

  it('the same input and snapshot always give the same decision, whatever the roster order', () => {
    fc.assert(
      fc.property(scenario, fc.nat(), (s, seed) => {
        const { m, snap } = build(s);
        const first = route(m, snap, examplePolicy, s.now);
        const again = route(m, structuredClone(snap), examplePolicy, s.now);
        const shuffled = [...snap.staff].sort(
          (a, b) => ((a.id.charCodeAt(2) * seed) % 7) - ((b.id.charCodeAt(2) * seed) % 7),
        );
        const reordered = route(
          m,
          { ...snap, staff: shuffled, history: [...snap.history].reverse() },
          examplePolicy,
          s.now,
        );
        expect(again).toEqual(first);
        expect(reordered).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });
});
