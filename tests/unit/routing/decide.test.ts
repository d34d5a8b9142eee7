import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { parseWorkingHours } from '../../../src/routing/working-hours.js';
import {
  daysAgo,
  examplePolicy,
  harbourTeam,
  JANE,
  LUCIA,
  mention,
  NOW,
  OWNER,
  route,
  SAM,
  snapshot,
  TOM,
} from './fixtures.js';

const hours = (written: Record<string, string>) => {
  const parsed = parseWorkingHours(written);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};

describe('the owner lane', () => {
  it("a journalist's complaint goes to the owner", () => {
    const d = route(
      mention("I'm a journalist writing a story about shops that overcharge for repairs. Comment?"),
    );
    expect(d).toMatchObject({
      action: 'escalate',
      assigneeId: OWNER,
      priority: 'urgent',
      responseTargetMinutes: 15,
    });
    expect(d.reasons[0]).toMatch(/^the press/);
    // The owner lane stays in the main channel, whatever the topic's team.
    expect(d.team).toBeNull();
  });

  it('a legal threat goes to the owner even when it is also a billing question', () => {
    const d = route(mention('You charged me twice. Refund me or my solicitor will be in touch.'));
    expect(d.action).toBe('escalate');
    expect(d.reasons[0]).toMatch(
      /^legal action or a formal complaint: "my solicitor" \(words; model [01]\.\d\d\)$/,
    );
  });

  it('an angry customer with 40,000 followers goes to the owner; the same words from a small account do not', () => {
    const text = 'Worst shop ever. Terrible, rude staff and a broken bike. Awful.';
    const big = route(mention(text, { author: { followers: 40_000 } }));
    expect(big.action).toBe('escalate');
    expect(big.reasons).toContainEqual(
      expect.stringMatching(/^an angry customer with real influence \(40,000 followers; /),
    );
    expect(route(mention(text, { author: { followers: 90 } })).action).toBe('assign');
  });

  it('the third complaint from the same person in a week goes to the owner', () => {
    const text = 'Still waiting for my repair, really disappointed.';
    expect(route(mention(text), snapshot(harbourTeam(), [], 1)).action).toBe('assign');
    const third = route(mention(text), snapshot(harbourTeam(), [], 2));
    expect(third.action).toBe('escalate');
    expect(third.reasons).toContain('the third complaint from @alex in 7 days');
  });

  it('a VIP on the list goes to the owner, on any of their networks', () => {
    const d = route(
      mention('Fancy sponsoring our summer ride?', {
        network: 'instagram',
        author: { handle: 'LisbonCycling' },
      }),
    );
    expect(d).toMatchObject({ action: 'escalate', assigneeId: OWNER });
    expect(d.reasons[0]).toBe('VIP: Lisbon Cycling Club is on the VIP list');
  });

  it('an escalation reaches the owner even when she is away, and says so', () => {
    const d = route(
      mention('I want to speak to the owner about this.'),
      snapshot(harbourTeam({ [OWNER]: { awayUntil: daysAgo(-3) } })),
    );
    expect(d.assigneeId).toBe(OWNER);
    expect(d.reasons.at(-1)).toBe('Rosa is away until 9 May, but only the owner can answer this');
  });
});

describe('choosing a staff member', () => {
  it('a Spanish question goes to the Spanish speaker', () => {
    const d = route(mention('Hola, ¿tenéis bicicletas para el sábado? Somos cuatro personas.'));
    expect(d).toMatchObject({ action: 'assign', assigneeId: LUCIA });
    expect(d.reasons).toContain('speaks Spanish');
  });

  it('"charged twice" is billing and goes to the person with the billing skill', () => {
    const d = route(mention('Hi, I think I was charged twice for the last service, can you check?'));
    expect(d).toMatchObject({ action: 'assign', assigneeId: JANE });
    expect(d.reasons).toContain('billing ("charged twice")');
  });

  it('a repair question goes to the workshop member with fewest open conversations', () => {
    const d = route(
      mention('Can you look at my gears this week?'),
      snapshot(harbourTeam({ [SAM]: { openConversations: 4 }, [TOM]: { openConversations: 2 } })),
    );
    expect(d.assigneeId).toBe(TOM);
    // The decision names the team it chose by, whose channel the conversation goes to.
    expect(d.team).toBe('workshop');
    expect(route(mention('Are you open on bank holidays?')).team).toBeNull();
    expect(d.reasons).toEqual([
      'in the workshop team',
      '2 open conversations, fewest in the team',
      'repairs ("gears")',
    ]);
  });

  it('a general question goes to whoever has the fewest open conversations, with the tie broken by id', () => {
    const loads = {
      [SAM]: { openConversations: 3 },
      [JANE]: { openConversations: 2 },
      [LUCIA]: { openConversations: 2 },
      [TOM]: { openConversations: 5 },
    };
    const d = route(mention('Are you open on bank holidays?'), snapshot(harbourTeam(loads)));
    expect(d.assigneeId).toBe(JANE);
    expect(d.reasons[0]).toBe('2 open conversations, tied for fewest on the team');
    const clear = route(
      mention('Are you open on bank holidays?'),
      snapshot(harbourTeam({ ...loads, [LUCIA]: { openConversations: 4 } })),
    );
    expect(clear.reasons[0]).toBe('2 open conversations, fewest on the team');
  });

  it("Jane's follow-up on Bluesky goes to Sam, who answered her on X", () => {
    const d = route(
      mention('Quick one: is the invoice for the wheel ready?', {
        network: 'bluesky',
        author: { id: 'did:plc:jane', handle: 'janedoe.bsky.social' },
      }),
      snapshot(harbourTeam(), [
        { staffId: SAM, network: 'x', handle: 'janedoe', at: daysAgo(2), replied: true },
      ]),
    );
    expect(d).toMatchObject({ action: 'assign', assigneeId: SAM });
    expect(d.reasons[0]).toBe('talked to @janedoe 2 days ago on X');
  });

  it("names the contact on the mention's own network when two came at the same moment, whatever their order", () => {
    const onX = { staffId: SAM, network: 'x', handle: 'janedoe', at: daysAgo(3), replied: false };
    const onBluesky = { ...onX, network: 'bluesky', handle: 'janedoe.bsky.social' };
    const m = mention('Is the invoice for the wheel ready?', { author: { handle: 'janedoe' } });
    const forwards = route(m, snapshot(harbourTeam(), [onBluesky, onX]));
    const backwards = route(m, snapshot(harbourTeam(), [onX, onBluesky]));
    expect(forwards).toEqual(backwards);
    expect(forwards.reasons[0]).toBe("had @janedoe's conversation on X 3 days ago");
  });

  it("a colleague covers while the customer's usual contact is away, and it goes back to them on return", () => {
    const d = route(
      mention('Is my bike ready to collect?', { author: { handle: 'janedoe' } }),
      snapshot(harbourTeam({ [SAM]: { awayUntil: new Date('2025-05-12T00:00:00Z') } }), [
        { staffId: SAM, network: 'x', handle: 'janedoe', at: daysAgo(6), replied: true },
      ]),
    );
    expect(d.action).toBe('assign');
    expect(d.assigneeId).not.toBe(SAM);
    expect(d.coveringFor).toBe(SAM);
    expect(d.reasons).toContain('covering for Sam, who is away until 12 May; goes back to Sam on return');
  });

  it('a relationship older than the policy window no longer counts', () => {
    const d = route(
      mention('Is my bike ready to collect?', { author: { handle: 'janedoe' } }),
      snapshot(harbourTeam({ [SAM]: { openConversations: 3 } }), [
        { staffId: SAM, network: 'x', handle: 'janedoe', at: daysAgo(120), replied: true },
      ]),
    );
    expect(d.assigneeId).not.toBe(SAM);
  });

  it('a policy rule can name the person: battery questions go to Tom', () => {
    const d = route(mention('Is it safe to leave my e-bike battery on the charger overnight?'));
    expect(d).toMatchObject({ assigneeId: TOM, priority: 'high' });
    expect(d.reasons).toContain('rule "Safety questions about e-bike batteries go to Tom"');
  });
});

describe('the owner is not the dumping ground', () => {
  it('routine work never goes to the owner while a staff member is eligible', () => {
    const d = route(
      mention('Do you stock inner tubes?'),
      snapshot(
        harbourTeam({
          [SAM]: { openConversations: 10 },
          [JANE]: { openConversations: 10 },
          [LUCIA]: { openConversations: 9 },
          [TOM]: { openConversations: 6 },
        }),
      ),
    );
    expect(d.assigneeId).toBe(LUCIA);
  });

  it('nobody eligible: the mention waits in the queue, with the reasons, rather than landing on the owner', () => {
    const full = { openConversations: 10 };
    const d = route(
      mention('Do you stock inner tubes?'),
      snapshot(
        harbourTeam({
          [SAM]: full,
          [JANE]: full,
          [LUCIA]: { awayUntil: daysAgo(-2) },
          [TOM]: { openConversations: 6 },
        }),
      ),
    );
    expect(d).toMatchObject({ action: 'queue', assigneeId: null });
    expect(d.reasons[0]).toBe('waiting in the queue: nobody eligible right now');
    expect(d.reasons).toContain('Lucía is away until 8 May');
    expect(d.reasons).toContain('Tom is at capacity (6 open conversations)');
  });

  it('the owner steps in as a last resort only when the policy says so', () => {
    const policy = compilePolicy(PolicyFileSchema.parse({ routing: { ownerTakesRoutine: 'last_resort' } }));
    const full = { openConversations: 10 };
    const d = route(
      mention('Do you stock inner tubes?'),
      snapshot(harbourTeam({ [SAM]: full, [JANE]: full, [LUCIA]: full, [TOM]: full })),
      policy,
    );
    expect(d.assigneeId).toBe(OWNER);
    expect(d.reasons[0]).toBe('no staff member can take it now, and the policy lets the owner step in');
  });

  it('an owner who runs the shop alone takes routine work', () => {
    const d = route(
      mention('Do you stock inner tubes?'),
      snapshot(harbourTeam().filter((p) => p.role === 'owner')),
    );
    expect(d).toMatchObject({ action: 'assign', assigneeId: OWNER });
  });
});

describe('working hours, waiting and relaxation', () => {
  const lucia = { [LUCIA]: { workingHours: hours({ 'tue-sat': '14:00-20:00' }) } };

  it('a Spanish question waits while the only Spanish speaker is off shift', () => {
    const d = route(
      mention('Hola, ¿tenéis bicicletas para el sábado? Somos cuatro personas.'),
      snapshot(harbourTeam(lucia)),
    );
    expect(d.action).toBe('queue');
    expect(d.reasons).toContain('needs someone who speaks Spanish');
    expect(d.reasons).toContain('Lucía is off shift (12:00 in Europe/Madrid)');
  });

  it('the same question goes to Lucía once her shift starts in Madrid', () => {
    const later = new Date('2025-05-06T12:30:00Z');
    const d = route(
      mention('Hola, ¿tenéis bicicletas para el sábado? Somos cuatro personas.'),
      snapshot(harbourTeam(lucia)),
      examplePolicy,
      later,
    );
    expect(d.assigneeId).toBe(LUCIA);
  });

  it('after an hour of waiting, a mention needing a skill nobody on shift has goes to anyone free', () => {
    const text = 'Can I rent two bikes on Saturday?';
    const team = harbourTeam({ [LUCIA]: { workingHours: hours({ sun: '10:00-12:00' }) } });
    expect(route(mention(text), snapshot(team)).action).toBe('queue');
    const waited = route(
      mention(text, { createdAt: new Date(NOW.getTime() - 90 * 60_000).toISOString() }),
      snapshot(team),
    );
    expect(waited.action).toBe('assign');
    expect(waited.reasons).toContain('waited 90 minutes, so anyone may take it without rentals skills');
  });
});

describe('spam', () => {
  it('a link farm from a brand-new account is dropped, with the evidence', () => {
    const d = route(
      mention('Crypto giveaway!! https://bit.ly/a https://bit.ly/b https://bit.ly/c DM me now', {
        author: { handle: 'promo82736152', followers: 0 },
      }),
    );
    expect(d).toMatchObject({ action: 'drop', assigneeId: null });
    expect(d.reasons[0]).toMatch(/^likely spam \(\d+%: 3 links/);
  });

  it('a policy rule can drop our own posts', () => {
    const d = route(mention('New opening hours from Monday!', { author: { handle: 'harbourbikes' } }));
    expect(d).toMatchObject({ action: 'drop', reasons: ['our own account (rule "Drop our own retweets")'] });
  });
});

describe('priority and response targets', () => {
  it('an unhappy customer is answered within the hour; praise can wait a day', () => {
    expect(route(mention('Really disappointed, my wheel is still wobbling after the repair.'))).toMatchObject(
      {
        priority: 'high',
        responseTargetMinutes: 60,
      },
    );
    expect(route(mention('Thank you Sam, brilliant job on my bike!'))).toMatchObject({
      priority: 'low',
      responseTargetMinutes: 1440,
    });
  });
});

describe('escalation targets', () => {
  it("a routine rule's slower target does not slow down an escalation", () => {
    const d = route(mention("I'm a journalist; how much do your repair prices rise each year?"));
    expect(d).toMatchObject({ action: 'escalate', priority: 'urgent', responseTargetMinutes: 15 });
  });
});
