import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { findConversation } from '../../src/db/conversations.repository.js';
import { listConversationEvents } from '../../src/db/events.repository.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { createReply, markReplyPosted } from '../../src/db/replies.repository.js';
import { assignments, conversations } from '../../src/db/schema.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { DATABASE_KINDS } from '../support/database.js';
import {
  harbourTeamFixture,
  JANE,
  LUCIA,
  OWNER,
  owedToSlack,
  SAM,
  seedHarbourTeam,
  storeMention,
  TOM,
} from './routing-support.js';

const policy = loadPolicyFile('examples/policy.yaml');
const NOW = new Date('2025-05-06T10:00:00Z');
const now = () => NOW;

describe.each(DATABASE_KINDS)('routing a stored mention on %s', (kind) => {
  const f = harbourTeamFixture(kind);

  const route = (mentionId: string) => routeMention({ db: f.database.db, now, policy }, mentionId);
  const conversationOf = async (mentionId: string) => {
    const mention = await findMention(f.database.db, mentionId);
    return findConversation(f.database.db, mention!.conversationId!);
  };

  it('a billing question is assigned to Jane, with the priority, target and reasons stored', async () => {
    const m = await storeMention(
      f.database.db,
      'Hi, I think I was charged twice for my last service, can you check?',
    );
    expect(await route(m.id)).toBe('assigned');
    const conversation = await conversationOf(m.id);
    expect(conversation).toMatchObject({
      assigneeId: JANE,
      escalated: false,
      status: 'open',
      coveringFor: null,
    });
    expect(conversation!.routingReasons).toContain('billing ("charged twice")');
    expect(conversation!.responseTargetMinutes).toBeGreaterThan(0);
    const [assigned] = await listConversationEvents(f.database.db, conversation!.id);
    expect(assigned).toMatchObject({ type: 'conversation.assigned', actor: 'router' });
    expect(assigned!.details).toMatchObject({
      action: 'assign',
      assigneeId: JANE,
      reasons: conversation!.routingReasons,
    });
    // Its card is owed to Slack in the routing transaction; the DM waits for the card.
    expect((await owedToSlack(f.database.db)).map((row) => row.work)).toEqual([
      { type: 'mention', mentionId: m.id },
    ]);
  });

  it("a journalist's complaint is escalated: the owner is assigned and the conversation marked", async () => {
    const m = await storeMention(
      f.database.db,
      "I'm a journalist writing a story on repair prices. Comment?",
    );
    expect(await route(m.id)).toBe('escalated');
    const conversation = await conversationOf(m.id);
    expect(conversation).toMatchObject({
      assigneeId: OWNER,
      escalated: true,
      priority: 'urgent',
      responseTargetMinutes: 15,
    });
    const rows = await f.database.db
      .select()
      .from(assignments)
      .where(eq(assignments.conversationId, conversation!.id));
    expect(rows.map((r) => r.staffId)).toEqual([OWNER]);
  });

  it('spam is dropped: closed as spam, an event recorded, nothing sent to Slack', async () => {
    const m = await storeMention(
      f.database.db,
      'Crypto giveaway!! https://bit.ly/a https://bit.ly/b https://bit.ly/c DM me',
      { handle: 'promo83726151', followers: 0 },
    );
    expect(await route(m.id)).toBe('dropped');
    const conversation = await conversationOf(m.id);
    expect(conversation).toMatchObject({ status: 'spam', assigneeId: null });
    expect(conversation!.closedAt).not.toBeNull();
    const events = await listConversationEvents(f.database.db, conversation!.id);
    expect(events.map((e) => e.type)).toEqual(['mention.dropped']);
    expect((await findMention(f.database.db, m.id))!.notifiedAt).not.toBeNull();
    expect(await owedToSlack(f.database.db)).toEqual([]);
    // A retry of the job changes nothing and still tells Slack nothing new.
    expect(await route(m.id)).toBe('already_routed');
    expect(await owedToSlack(f.database.db)).toEqual([]);
  });

  it('nobody eligible: the conversation waits unassigned, with an event, and is still shown in Slack', async () => {
    const away = { awayUntil: new Date('2025-05-20T00:00:00Z') };
    await seedHarbourTeam(f.database.db, { [SAM]: away, [JANE]: away, [LUCIA]: away, [TOM]: away });
    const m = await storeMention(f.database.db, 'Do you stock inner tubes?');
    expect(await route(m.id)).toBe('queued');
    const conversation = await conversationOf(m.id);
    expect(conversation).toMatchObject({ assigneeId: null, status: 'open' });
    expect(conversation!.routingReasons[0]).toBe('waiting in the queue: nobody eligible right now');
    const events = await listConversationEvents(f.database.db, conversation!.id);
    expect(events.map((e) => e.type)).toEqual(['conversation.queued']);
    // Its card is owed, behind whatever the channel owes people holding conversations.
    const owed = await owedToSlack(f.database.db);
    expect(owed.map((row) => row.work)).toEqual([{ type: 'mention', mentionId: m.id }]);
    expect(owed[0]!.priority).toBeGreaterThan(0);
  });

  it("Jane's follow-up on Bluesky goes to Sam, who answered her on X", async () => {
    const onX = await storeMention(
      f.database.db,
      'Can you look at my gears this week?',
      { id: 'x-7001', handle: 'janedoe' },
      { postedAt: new Date('2025-05-04T09:00:00Z') },
    );
    await routeMention({ db: f.database.db, policy, now: () => new Date('2025-05-04T09:00:00Z') }, onX.id);
    const first = await conversationOf(onX.id);
    expect(first!.assigneeId).toBe(SAM);
    const { row: reply } = await createReply(f.database.db, {
      conversationId: first!.id,
      mentionId: onX.id,
      staffId: SAM,
      submissionKey: 'k-1',
      text: 'Bring it in tomorrow',
    });
    await markReplyPosted(
      f.database.db,
      reply.id,
      { networkReplyId: 'r1', networkReplyUrl: 'https://x.com/r1' },
      new Date('2025-05-04T09:30:00Z'),
    );
    await f.database.db
      .update(conversations)
      .set({ closedAt: new Date('2025-05-04T12:00:00Z'), status: 'resolved' })
      .where(eq(conversations.id, first!.id));

    const onBluesky = await storeMention(
      f.database.db,
      'Is the invoice for the wheel ready?',
      { id: 'did:plc:jane', handle: 'janedoe.bsky.social' },
      { network: 'bluesky' },
    );
    expect(await route(onBluesky.id)).toBe('assigned');
    const second = await conversationOf(onBluesky.id);
    expect(second!.assigneeId).toBe(SAM);
    expect(second!.routingReasons[0]).toBe('talked to @janedoe 2 days ago on X');
  });

  it('the third complaint from the same person in a week goes to the owner', async () => {
    const author = { id: 'x-9', handle: 'grumpy' };
    for (const [i, text] of [
      'Still waiting for my repair, really disappointed.',
      'My wheel is still broken, terrible.',
    ].entries()) {
      const m = await storeMention(f.database.db, text, author, {
        postedAt: new Date(NOW.getTime() - (3 - i) * 86_400_000),
      });
      await route(m.id);
      await f.database.db
        .update(conversations)
        .set({ closedAt: NOW, status: 'resolved' })
        .where(and(eq(conversations.authorId, 'x-9')));
    }
    const third = await storeMention(f.database.db, 'Disappointed again, the brakes squeal. Awful.', author);
    expect(await route(third.id)).toBe('escalated');
    expect((await conversationOf(third.id))!.routingReasons).toContain(
      'the third complaint from @grumpy in 7 days',
    );
  });

  it('a follow-up with a legal threat escalates the open conversation to the owner', async () => {
    const author = { id: 'x-11', handle: 'dana' };
    const first = await storeMention(f.database.db, 'Do you stock inner tubes?', author);
    await route(first.id);
    const followUp = await storeMention(
      f.database.db,
      'No answer? My solicitor will hear about this.',
      author,
    );
    expect(await route(followUp.id)).toBe('joined_escalated');
    const conversation = await conversationOf(first.id);
    expect(conversation).toMatchObject({ escalated: true, assigneeId: OWNER });
    const types = (await listConversationEvents(f.database.db, conversation!.id)).map((e) => e.type);
    expect(types).toEqual(['conversation.assigned', 'conversation.followup', 'conversation.escalated']);
    // Told as a person's escalation is: the card, its thread, the owner by DM, and both Homes.
    const told = (await owedToSlack(f.database.db)).map((row) => row.work);
    expect(told).toEqual(
      expect.arrayContaining([
        { type: 'mention', mentionId: followUp.id },
        expect.objectContaining({ type: 'refresh', conversationId: conversation!.id }),
        expect.objectContaining({ type: 'log', conversationId: conversation!.id }),
        expect.objectContaining({ type: 'dm', kind: 'escalated', user: OWNER }),
        { type: 'home', user: OWNER },
      ]),
    );
  });

  it('a colleague covers for Sam while he is away, and the conversation records whom it belongs to', async () => {
    await seedHarbourTeam(f.database.db, { [SAM]: { awayUntil: new Date('2025-05-12T00:00:00Z') } });
    await f.database.db
      .insert(conversations)
      .values({
        network: 'x',
        account: '@harbourbikes',
        authorId: 'x-12',
        authorHandle: 'lee',
        assigneeId: SAM,
        openedAt: new Date('2025-05-01T10:00:00Z'),
        closedAt: new Date('2025-05-01T12:00:00Z'),
        status: 'resolved',
      })
      .returning()
      .then(async ([c]) => {
        await f.database.db.insert(assignments).values({
          conversationId: c!.id,
          staffId: SAM,
          assignedBy: 'router',
          reasons: [],
          assignedAt: new Date('2025-05-01T10:00:00Z'),
        });
      });
    const m = await storeMention(f.database.db, 'Can you look at my gears again?', {
      id: 'x-12',
      handle: 'lee',
    });
    await route(m.id);
    const conversation = await conversationOf(m.id);
    expect(conversation!.assigneeId).toBe(TOM);
    expect(conversation!.coveringFor).toBe(SAM);
    expect(conversation!.routingReasons).toContain(
      'covering for Sam, who is away until 12 May; goes back to Sam on return',
    );
  });
});
