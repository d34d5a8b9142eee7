import { and, asc, eq, isNull } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { claim, passOffer, waitOnCustomer } from '../../src/bot/conversation-actions.js';
import type { SlackWork } from '../../src/contract/slack-work.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { listConversationResponseFacts } from '../../src/db/response-figures.repository.js';
import { clockSteps, conversations, events, slackOutbox, staff } from '../../src/db/schema.js';
import { closeQuietConversations, startClocks, sweepClockSteps } from '../../src/routing/clock-sweep.js';
import { compilePolicy } from '../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../src/routing/policy.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { harbourTeamFixture, JANE, LUCIA, OWNER, SAM, storeMention, TOM } from './routing-support.js';

const policy = compilePolicy(PolicyFileSchema.parse({}));

describe.each(['postgres', 'pglite'] as const)('the response clock (%s)', (kind) => {
  const f = harbourTeamFixture(kind);
  const start = new Date('2026-12-07T10:00:00Z'); // a Monday
  const inMinutes = (m: number) => () => new Date(start.getTime() + m * 60_000);

  async function routed(text = 'Is my bike ready yet?') {
    const db = f.database.db;
    const row = await storeMention(db, text, {}, { postedAt: start });
    await routeMention({ db, now: () => start, policy }, row.id);
    const conversationId = (await findMention(db, row.id))!.conversationId!;
    const [conversation] = await db.select().from(conversations).where(eq(conversations.id, conversationId));
    return conversation!;
  }
  const owed = async (conversationId: string) =>
    (
      await f.database.db
        .select()
        .from(slackOutbox)
        .where(and(isNull(slackOutbox.doneAt)))
        .orderBy(asc(slackOutbox.id))
    )
      .map((row) => row.work as SlackWork)
      .filter((work) => 'conversationId' in work && work.conversationId === conversationId);
  const stepsOf = (conversationId: string) =>
    f.database.db
      .select()
      .from(clockSteps)
      .where(eq(clockSteps.conversationId, conversationId))
      .orderBy(asc(clockSteps.dueAt));

  it('starts once a conversation is held, and reminds its assignee quietly at half the target', async () => {
    const conversation = await routed();
    const assignee = conversation.assigneeId!;
    const target = conversation.responseTargetMinutes!;
    expect(await startClocks({ db: f.database.db, now: inMinutes(0), policy })).toBe(1);
    expect(await startClocks({ db: f.database.db, now: inMinutes(1), policy })).toBe(0);
    expect((await stepsOf(conversation.id)).map((s) => s.step)).toEqual(['remind', 'offer']);

    // Not before its time.
    expect(await sweepClockSteps({ db: f.database.db, now: inMinutes(target / 2 - 1), policy })).toEqual({
      fired: 0,
      missed: 0,
      stopped: 0,
    });
    expect(await sweepClockSteps({ db: f.database.db, now: inMinutes(target / 2 + 1), policy })).toEqual({
      fired: 1,
      missed: 0,
      stopped: 0,
    });
    const work = await owed(conversation.id);
    expect(work).toContainEqual(expect.objectContaining({ type: 'dm', kind: 'reminder', user: assignee }));
    expect(work.filter((w) => w.type === 'log')).toHaveLength(1);
    // Taken again (a second sweeper, a restart): settled, nothing doubled.
    await sweepClockSteps({ db: f.database.db, now: inMinutes(target / 2 + 2), policy });
    expect((await owed(conversation.id)).filter((w) => w.type === 'dm')).toHaveLength(1);
  });

  it('starts every waiting clock of a sweep in one transaction, and each once when two routers start them together', async () => {
    const db = f.database.db;
    const held = async (count: number) => {
      const list = [];
      for (let i = 0; i < count; i++) list.push(await routed(`Is my bike ready yet? (${i})`));
      return list.filter((c) => c.assigneeId !== null);
    };
    const clocksOf = async (ids: string[]) =>
      (await db.select().from(events).where(eq(events.type, 'clock.started'))).filter((e) =>
        ids.includes(e.conversationId!),
      );

    const first = await held(3);
    expect(first.length).toBeGreaterThan(1);
    const transactions = vi.spyOn(db, 'transaction');
    try {
      expect(await startClocks({ db, now: inMinutes(0), policy })).toBe(first.length);
      expect(transactions).toHaveBeenCalledTimes(1);
    } finally {
      transactions.mockRestore();
    }
    for (const c of first) expect((await stepsOf(c.id)).map((s) => s.step)).toEqual(['remind', 'offer']);

    const second = await held(3);
    const started = await Promise.all([
      startClocks({ db, now: inMinutes(1), policy }),
      startClocks({ db, now: inMinutes(1), policy }),
    ]);
    expect(started[0] + started[1]).toBe(second.length);
    const ids = [...first, ...second].map((c) => c.id);
    const clocks = await clocksOf(ids);
    expect(clocks.map((e) => e.conversationId).sort()).toEqual([...ids].sort());
    expect(clocks.every((e) => e.at.getTime() === start.getTime())).toBe(true);
    for (const c of second) expect((await stepsOf(c.id)).map((s) => s.step)).toEqual(['remind', 'offer']);
    expect(await startClocks({ db, now: inMinutes(2), policy })).toBe(0);
  });

  const offersOf = async (conversationId: string) =>
    (
      await f.database.db
        .select()
        .from(events)
        .where(and(eq(events.conversationId, conversationId), eq(events.type, 'clock.step')))
        .orderBy(asc(events.id))
    )
      .map((e) => e.details as { outcome: string; to?: string; from?: string })
      .filter((d) => d.outcome === 'offered' || d.outcome === 'passed');

  it('offers it at the target to the next eligible person, who may claim it while the first can still answer', async () => {
    const conversation = await routed();
    const first = conversation.assigneeId!;
    const target = conversation.responseTargetMinutes!;
    const db = f.database.db;
    await startClocks({ db, now: inMinutes(0), policy });
    await sweepClockSteps({ db, now: inMinutes(target / 2 + 1), policy });
    expect(await sweepClockSteps({ db, now: inMinutes(target + 1), policy })).toMatchObject({ fired: 1 });
    const [offer] = await offersOf(conversation.id);
    expect(offer).toMatchObject({ outcome: 'offered', from: first });
    const offeredTo = offer!.to!;
    expect([SAM, JANE, LUCIA, TOM].filter((id) => id !== first)).toContain(offeredTo);
    // Still the first person's: they can answer during the window.
    const [during] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(during!.assigneeId).toBe(first);
    expect(await owed(conversation.id)).toContainEqual(
      expect.objectContaining({ type: 'dm', kind: 'offer', user: offeredTo }),
    );

    // They claim it from the DM; when the window ends, nobody else is asked.
    expect(
      await claim({ db, queues: f.queues, now: inMinutes(target + 5) }, offeredTo, conversation.id, first),
    ).toEqual({
      changed: true,
    });
    expect(await sweepClockSteps({ db, now: inMinutes(target + 20), policy })).toMatchObject({
      fired: 0,
      stopped: 1,
    });
    expect(await offersOf(conversation.id)).toHaveLength(1);
  });

  it('asks the next person when the window runs out, or at once when the one asked passes', async () => {
    const conversation = await routed();
    const target = conversation.responseTargetMinutes!;
    const db = f.database.db;
    await startClocks({ db, now: inMinutes(0), policy });
    await sweepClockSteps({ db, now: inMinutes(target / 2 + 1), policy });
    await sweepClockSteps({ db, now: inMinutes(target + 1), policy });
    const [first] = await offersOf(conversation.id);

    // Someone not offered it cannot pass; the one offered it can, once, and the next is asked without waiting.
    const stranger = [SAM, JANE, LUCIA, TOM].find(
      (id) => id !== first!.to && id !== conversation.assigneeId,
    )!;
    const deps = { db, queues: f.queues, now: inMinutes(target + 2) };
    await expect(passOffer(deps, stranger, conversation.id)).rejects.toMatchObject({
      code: 'offer.not_yours',
    });
    expect(await passOffer(deps, first!.to!, conversation.id)).toEqual({ changed: true });
    expect(await sweepClockSteps({ db, now: inMinutes(target + 3), policy })).toMatchObject({ fired: 1 });
    const [, passed, second] = await offersOf(conversation.id);
    expect(passed).toMatchObject({ outcome: 'passed', from: first!.to });
    expect(second).toMatchObject({ outcome: 'offered' });
    expect([first!.to, conversation.assigneeId]).not.toContain(second!.to);

    // Nobody claims within the window: a third person is asked.
    expect(await sweepClockSteps({ db, now: inMinutes(target + 3 + 16), policy })).toMatchObject({
      fired: 1,
    });
    const third = (await offersOf(conversation.id)).at(-1)!;
    expect([first!.to, second!.to, conversation.assigneeId]).not.toContain(third.to);
  });

  it('stops the moment someone replies: later steps end without a word', async () => {
    const conversation = await routed();
    const target = conversation.responseTargetMinutes!;
    await startClocks({ db: f.database.db, now: inMinutes(0), policy });
    await f.database.db.insert(events).values({
      type: 'reply.posted',
      actor: conversation.assigneeId!,
      conversationId: conversation.id,
      details: { replyId: 'r', networkReplyId: 'n', url: null },
    });
    expect(await sweepClockSteps({ db: f.database.db, now: inMinutes(target + 1), policy })).toEqual({
      fired: 0,
      missed: 0,
      stopped: 2,
    });
    expect((await owed(conversation.id)).filter((w) => w.type === 'dm' || w.type === 'log')).toEqual([]);
  });

  it('after a restart fires what is still useful and records the rest as missed', async () => {
    // An urgent conversation: reminder, hand-over and the owner, all overdue when the process comes back.
    const conversation = await routed('URGENT: the brakes you fitted failed and I crashed, I am hurt');
    await f.database.db
      .update(conversations)
      .set({ priority: 'urgent', responseTargetMinutes: 15, assigneeId: SAM, escalated: false })
      .where(eq(conversations.id, conversation.id));
    await startClocks({ db: f.database.db, now: inMinutes(0), policy });
    expect((await stepsOf(conversation.id)).map((s) => s.step)).toEqual(['remind', 'offer', 'owner']);
    expect(await sweepClockSteps({ db: f.database.db, now: inMinutes(120), policy })).toEqual({
      fired: 1,
      missed: 2,
      stopped: 0,
    });
    expect((await stepsOf(conversation.id)).map((s) => [s.step, s.outcome])).toEqual([
      ['remind', 'missed'],
      ['offer', 'missed'],
      ['owner', 'fired'],
    ]);
    // No offer went out late: the owner's step is the one that still helps.
    expect(await offersOf(conversation.id)).toEqual([]);
    expect(await owed(conversation.id)).toContainEqual(
      expect.objectContaining({ type: 'dm', kind: 'overdue', user: OWNER }),
    );
  });

  it('cancels the rest of the chain the moment someone replies, at every step', async () => {
    const db = f.database.db;
    // Urgent: reminder at 8, offer at 15, owner at 30 minutes; a reply after each step in turn.
    for (const [after, fired] of [
      [0, 0],
      [9, 1],
      [16, 2],
    ] as const) {
      const conversation = await routed(`URGENT please, case ${after}`);
      await db
        .update(conversations)
        .set({ priority: 'urgent', responseTargetMinutes: 15 })
        .where(eq(conversations.id, conversation.id));
      await startClocks({ db, now: inMinutes(0), policy });
      let counted = 0;
      for (const minute of [9, 16].filter((m) => m <= after)) {
        counted += (await sweepClockSteps({ db, now: inMinutes(minute), policy })).fired;
      }
      expect(counted).toBe(fired);
      await db.insert(events).values({
        type: 'reply.posted',
        actor: conversation.assigneeId!,
        conversationId: conversation.id,
        details: { replyId: `r${after}`, networkReplyId: 'n', url: null },
      });
      await sweepClockSteps({ db, now: inMinutes(60), policy });
      const outcomes = (await stepsOf(conversation.id)).map((s) => s.outcome);
      expect(outcomes.filter((o) => o === 'fired')).toHaveLength(fired);
      expect(outcomes.filter((o) => o === 'stopped').length).toBeGreaterThan(0);
      expect(outcomes).not.toContain(null);
    }
  });

  it('neither loses nor doubles an offer across a restart during its claim window', async () => {
    const db = f.database.db;
    const conversation = await routed();
    const target = conversation.responseTargetMinutes!;
    await startClocks({ db, now: inMinutes(0), policy });
    await sweepClockSteps({ db, now: inMinutes(target / 2 + 1), policy });
    await sweepClockSteps({ db, now: inMinutes(target + 1), policy });
    expect(await offersOf(conversation.id)).toHaveLength(1);
    // The process stops during the window; what a sweep knows is only what the database holds. Once back,
    // within the window nothing is asked again; at its end the next person is asked, once, by two sweepers.
    expect(await sweepClockSteps({ db, now: inMinutes(target + 10), policy })).toMatchObject({ fired: 0 });
    const back = await Promise.all([
      sweepClockSteps({ db, now: inMinutes(target + 17), policy }),
      sweepClockSteps({ db, now: inMinutes(target + 17), policy }),
    ]);
    expect(back.reduce((sum, s) => sum + s.fired, 0)).toBe(1);
    expect(await offersOf(conversation.id)).toHaveLength(2);
  });

  it('fires each step once with two routers sweeping at the same time', async () => {
    const db = f.database.db;
    const conversation = await routed();
    await startClocks({ db, now: inMinutes(0), policy });
    const half = conversation.responseTargetMinutes! / 2 + 1;
    const sweeps = await Promise.all([
      sweepClockSteps({ db, now: inMinutes(half), policy }),
      sweepClockSteps({ db, now: inMinutes(half), policy }),
    ]);
    expect(sweeps.reduce((sum, s) => sum + s.fired, 0)).toBe(1);
    expect((await owed(conversation.id)).filter((w) => w.type === 'dm')).toHaveLength(1);
  });

  it('stops while waiting on the customer, and closes a silent conversation after the policy’s days', async () => {
    const db = f.database.db;
    const conversation = await routed();
    await startClocks({ db, now: inMinutes(0), policy });
    // Only the assignee (or the owner) may say so; a double click changes nothing more.
    const deps = { db, queues: f.queues, now: inMinutes(5) };
    const other = [SAM, JANE].find((id) => id !== conversation.assigneeId)!;
    await expect(waitOnCustomer(deps, other, conversation.id)).rejects.toMatchObject({
      code: 'rights.not_assignee',
    });
    expect(await waitOnCustomer(deps, conversation.assigneeId!, conversation.id)).toEqual({ changed: true });
    expect(await waitOnCustomer(deps, conversation.assigneeId!, conversation.id)).toEqual({ changed: false });
    expect(
      await sweepClockSteps({ db, now: inMinutes(conversation.responseTargetMinutes! + 1), policy }),
    ).toEqual({
      fired: 0,
      missed: 0,
      stopped: 2,
    });

    // Six days of silence: still waiting. Seven: closed, with a line in the thread.
    expect(await closeQuietConversations({ db, now: inMinutes(6 * 24 * 60), policy })).toBe(0);
    expect(await closeQuietConversations({ db, now: inMinutes(7 * 24 * 60 + 1), policy })).toBe(1);
    const [closed] = await db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(closed).toMatchObject({ status: 'resolved' });
    expect(closed!.closedAt).toBeInstanceOf(Date);
    expect((await owed(conversation.id)).map((w) => w.type)).toContain('log');
    expect(await closeQuietConversations({ db, now: inMinutes(8 * 24 * 60), policy })).toBe(0);
  });

  it('never closes a conversation whose customer is waiting on us', async () => {
    const db = f.database.db;
    await routed();
    expect(await closeQuietConversations({ db, now: inMinutes(30 * 24 * 60), policy })).toBe(0);
  });

  it('counts the assignee’s working hours, and runs again when the customer writes after our reply', async () => {
    await f.database.db.update(staff).set({ workingHours: { mon: [[540, 1020]], tue: [[540, 1020]] } });
    const db = f.database.db;
    // Ten minutes before the end of the day: the rest of the target waits for the next morning.
    const late = new Date('2026-12-07T16:50:00Z');
    const row = await storeMention(
      db,
      'Is my bike ready?',
      { id: 'carla', handle: 'carla' },
      { postedAt: late },
    );
    await routeMention({ db, now: () => late, policy }, row.id);
    const { conversationId } = (await findMention(db, row.id))!;
    await startClocks({ db, now: () => late, policy });
    const [remind] = await stepsOf(conversationId!);
    // Not at 16:50 plus half the target, but the next morning, in working minutes.
    expect(remind!.dueAt.getTime()).toBeGreaterThan(new Date('2026-12-08T09:00:00Z').getTime());
    // The response figures judge it by the same working-hours time.
    const offer = (await stepsOf(conversationId!)).find((step) => step.step === 'offer')!;
    const facts = await listConversationResponseFacts(db, new Date('2026-12-01T00:00:00Z'), late);
    expect(facts.find((c) => c.id === conversationId)?.clockDueAt).toEqual(offer.dueAt);

    // We replied, then the customer wrote again: the conversation opens with a new clock, same person.
    await db.update(conversations).set({ status: 'replied' }).where(eq(conversations.id, conversationId!));
    const again = new Date('2026-12-08T11:00:00Z');
    const next = await storeMention(
      db,
      'Thanks! And the bell?',
      { id: 'carla', handle: 'carla' },
      { postedAt: again },
    );
    await routeMention({ db, now: () => again, policy }, next.id);
    const [reopened] = await db.select().from(conversations).where(eq(conversations.id, conversationId!));
    expect(reopened!.status).toBe('open');
    expect(await startClocks({ db, now: () => again, policy })).toBe(1);
    const clocks = await db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, conversationId!), eq(events.type, 'clock.started')));
    expect(clocks.map((e) => e.details.reason)).toEqual(['routed', 'the customer wrote again']);
  });
});
