import { describe, expect, it } from 'vitest';
import {
  conversationIdFromBlockId,
  decodeClaimValue,
  encodeClaimValue,
} from '../../../src/bot/action-ids.js';
import { AWAY_INDEFINITELY, localTime, parseUntil, snoozeUntil } from '../../../src/bot/clock.js';
import { parseCommand } from '../../../src/bot/command.js';
import { routingFacts } from '../../../src/bot/conversation-card.js';
import { fitQuoted, mrkdwnLink } from '../../../src/bot/mrkdwn.js';

// A Monday morning in Lisbon (UTC+1 in summer).
const NOW = new Date('2025-06-02T08:30:00Z');
const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';

describe('/firsthand', () => {
  it('reads each sub-command', () => {
    expect(parseCommand('', NOW, 'UTC')).toEqual({ kind: 'me' });
    expect(parseCommand('  QUEUE ', NOW, 'UTC')).toEqual({ kind: 'queue' });
    expect(parseCommand('stats', NOW, 'UTC')).toEqual({ kind: 'stats', period: 'week' });
    expect(parseCommand('stats Month', NOW, 'UTC')).toEqual({ kind: 'stats', period: 'month' });
    expect(parseCommand('back', NOW, 'UTC')).toEqual({ kind: 'back' });
    expect(parseCommand('away', NOW, 'UTC')).toEqual({ kind: 'away', until: AWAY_INDEFINITELY });
    expect(parseCommand('away 2h', NOW, 'UTC')).toEqual({
      kind: 'away',
      until: new Date('2025-06-02T10:30:00Z'),
    });
    expect(parseCommand('away until 3d', NOW, 'UTC')).toEqual({
      kind: 'away',
      until: new Date('2025-06-05T08:30:00Z'),
    });
  });

  it('says what it could not read', () => {
    const bad = parseCommand('away someday', NOW, 'UTC');
    expect(bad.kind).toBe('help');
    expect(bad.kind === 'help' && bad.problem).toContain('can\'t read "someday"');
    expect(parseCommand('stats year', NOW, 'UTC')).toMatchObject({
      kind: 'help',
      problem: expect.stringContaining('can\'t read "year" as a period'),
    });
    expect(parseCommand('dance', NOW, 'UTC')).toMatchObject({
      kind: 'help',
      problem: 'I don\'t know "dance".',
    });
  });
});

describe('times in the person’s own timezone', () => {
  it('tomorrow 9:00 and next Monday 9:00 in Lisbon', () => {
    expect(snoozeUntil('tomorrow', NOW, 'Europe/Lisbon')).toEqual(new Date('2025-06-03T08:00:00Z'));
    expect(snoozeUntil('monday', NOW, 'Europe/Lisbon')).toEqual(new Date('2025-06-09T08:00:00Z'));
    expect(snoozeUntil('1h', NOW, 'Europe/Lisbon')).toEqual(new Date('2025-06-02T09:30:00Z'));
  });

  it('crosses a daylight-saving change', () => {
    // Berlin moves to summer time on 30 March 2025: 9:00 on the 31st is 07:00 UTC.
    expect(localTime(new Date('2025-03-29T12:00:00Z'), 'Europe/Berlin', 2, 9)).toEqual(
      new Date('2025-03-31T07:00:00Z'),
    );
  });

  it('reads weekdays and dates, and refuses the past and nonsense', () => {
    expect(parseUntil('friday', NOW, 'UTC')).toEqual(new Date('2025-06-06T09:00:00Z'));
    expect(parseUntil('2025-07-01', NOW, 'Europe/Lisbon')).toEqual(new Date('2025-06-30T23:00:00Z'));
    expect(parseUntil('2020-01-01', NOW, 'UTC')).toBeUndefined();
    expect(parseUntil('soon', NOW, 'UTC')).toBeUndefined();
  });

  it('falls back to UTC for an unknown timezone', () => {
    expect(snoozeUntil('tomorrow', NOW, 'Mars/Olympus')).toEqual(new Date('2025-06-03T09:00:00Z'));
  });
});

describe('the action codec', () => {
  it('round-trips the claim value and reads the conversation from a menu’s block id', () => {
    expect(decodeClaimValue(encodeClaimValue(ID, 'U0SAM0001'))).toEqual({
      conversationId: ID,
      shownAssignee: 'U0SAM0001',
    });
    expect(decodeClaimValue(encodeClaimValue(ID, null))).toEqual({ conversationId: ID, shownAssignee: null });
    expect(conversationIdFromBlockId(`fh.c.menus.${ID}`)).toBe(ID);
    expect(() => conversationIdFromBlockId('conversation_actions')).toThrow();
  });
});

describe('mrkdwn', () => {
  it('quotes within the budget counting escapes and line markers', () => {
    const { text, cut } = fitQuoted('<a>\nb'.repeat(1000), 300);
    expect(cut).toBe(true);
    expect(text.length).toBeLessThanOrEqual(300);
    expect(text.startsWith('> &lt;a&gt;\n> b')).toBe(true);
  });

  it('makes only http(s) links, with the link-breaking characters encoded', () => {
    expect(mrkdwnLink('javascript:alert(1)', 'x')).toBe('');
    expect(mrkdwnLink('https://a.example/x|y>z', 'Open <it>')).toBe(
      '<https://a.example/x%7Cy%3Ez|Open &lt;it&gt;>',
    );
  });
});

describe('reading the router’s decision', () => {
  it('takes what is there, in either shape, and leaves out what is not', () => {
    const facts = routingFacts(
      { openedAt: NOW, responseTargetMinutes: 30, priority: 'high', routingReasons: ['VIP'] },
      { language: { code: 'pt', name: 'Portuguese' }, sentiment: 'negative', reasons: ['ignored'] },
    );
    expect(facts.priority).toBe('high');
    expect(facts.dueAt).toEqual(new Date('2025-06-02T09:00:00Z'));
    expect(facts.reasons).toEqual(['VIP']);
    expect(facts.understanding).toEqual({ language: 'Portuguese', sentiment: 'negative', intent: undefined });
    const none = routingFacts({ openedAt: NOW }, {});
    expect(none).toEqual({
      priority: undefined,
      dueAt: undefined,
      reasons: [],
      understanding: { language: undefined, sentiment: undefined, intent: undefined },
    });
  });
});
