import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/bot/action-ids.js';
import { conversations } from '../../src/db/schema.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { menuChoice } from '../support/slack-requests.js';

const WORKSHOP = 'C0WORKSHOP';
const ACCOUNTS = 'C0ACCOUNTS';
const JANE = 'U0JANE001';

// Two teams, each with a channel of its own; a topic of each sends its mentions there.
const POLICY = `
topics:
  repairs:
    keywords: [repair*, brakes]
    team: workshop
    skills: [repairs]
  billing:
    keywords: [refund*, invoice]
    team: accounts
    skills: [billing]
teams:
  workshop:
    members: [U0SAM0001, U0TOM0001]
    channel: ${WORKSHOP}
  accounts:
    members: [${JANE}, U0LUCIA01]
    channel: ${ACCOUNTS}
`;

type Block = { type: string; block_id?: string; elements?: { value?: string }[] };

let counter = 0;

describe('a channel per team', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firsthand-team-channels-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    h = await startHarness({ env: { POLICY_FILE: policyFile, SLACK_CHANNEL_MESSAGES_PER_SECOND: '20' } });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const conversation = async (id: string) =>
    (await h.database.db.select().from(conversations).where(eq(conversations.id, id)))[0]!;

  /** A mention from a new customer, and the card it got, in whichever channel that was. */
  async function mention(text: string) {
    counter += 1;
    const handle = `teamcust${counter}`;
    const status = h.mastodon.mention({ from: handle, text });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: `acct-${handle}`, handle, name: 'Dana Ruiz' },
      text,
      url: status.url,
      kind: 'mention',
      createdAt: status.created_at,
    });
    const card = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => !c.params.thread_ts && JSON.stringify(c.params).includes(handle)),
    );
    const blocks = card.params.blocks as Block[];
    const conversationId = blocks.find((b) => b.type === 'actions')!.elements![0]!.value!;
    const row = await waitFor(async () => {
      const found = await conversation(conversationId);
      return found.slackTs ? found : undefined;
    });
    return { channel: card.params.channel, blocks, row };
  }

  it("routes each team's mentions to its channel, and moves one across on reassignment", async () => {
    const repair = await mention('My brakes need a repair before the weekend, can you fit me in?');
    const billing = await mention('Could you send me the invoice for my last purchase please?');
    const other = await mention('What time do you open on Saturday?');

    expect(repair.channel).toBe(WORKSHOP);
    expect(repair.row).toMatchObject({ channel: WORKSHOP, slackChannel: WORKSHOP });
    expect(['U0SAM0001', 'U0TOM0001']).toContain(repair.row.assigneeId);
    expect(billing.channel).toBe(ACCOUNTS);
    expect(billing.row).toMatchObject({ channel: ACCOUNTS, slackChannel: ACCOUNTS });
    // A conversation of no team stays in the main channel.
    expect(other.channel).toBe(CHANNEL);
    expect(other.row).toMatchObject({ channel: null, slackChannel: CHANNEL });

    // The workshop hands its conversation to Jane, of accounts: it follows her there.
    const holder = repair.row.assigneeId!;
    const oldTs = repair.row.slackTs!;
    const choose = () =>
      h.interact(
        menuChoice({
          userId: holder,
          actionId: ACTION.reassign,
          blockId: repair.blocks.filter((b) => b.type === 'actions')[1]!.block_id!,
          channel: WORKSHOP,
          messageTs: oldTs,
          selectedUser: JANE,
        }),
      );
    await choose();
    await choose(); // a double click moves it once

    const moved = await waitFor(async () => {
      const row = await conversation(repair.row.id);
      return row.slackChannel === ACCOUNTS ? row : undefined;
    });
    expect(moved).toMatchObject({ assigneeId: JANE, channel: ACCOUNTS });
    expect(moved.slackTs).not.toBe(oldTs);

    const newCards = h.slack
      .callsTo('chat.postMessage')
      .filter(
        (c) =>
          c.params.channel === ACCOUNTS &&
          !c.params.thread_ts &&
          JSON.stringify(c.params.blocks).includes(repair.row.id),
      );
    expect(newCards).toHaveLength(1);
    expect(JSON.stringify(newCards[0]!.params.blocks)).toContain(`<@${JANE}>`);

    const pointer = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find(
          (c) =>
            c.params.channel === WORKSHOP &&
            c.params.thread_ts === oldTs &&
            String(c.params.text).includes('Moved to'),
        ),
    );
    expect(String(pointer.params.text)).toContain(`<#${ACCOUNTS}>`);
    expect(String(pointer.params.text)).toContain(`<@${holder}>`);
    expect(String(pointer.params.text)).toContain(
      `https://standin.slack.com/archives/${ACCOUNTS}/p${moved.slackTs!.replace('.', '')}`,
    );

    // What follows goes to the new card: a redraw of it, after the move is recorded.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pointers = h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.params.thread_ts === oldTs && String(c.params.text).includes('Moved to'));
    expect(pointers).toHaveLength(1);
  });
});
