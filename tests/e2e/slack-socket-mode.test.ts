import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/bot/action-ids.js';
import { conversations, events } from '../../src/db/schema.js';
import type { SlackSocket } from '../standins/slack.standin.js';
import { CHANNEL, type Harness, startHarness, waitFor } from '../support/app-harness.js';
import { buttonClick } from '../support/slack-requests.js';

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };

/** A slash command as Slack sends it over the socket: the form fields of the HTTP request, as JSON. */
const slashCommand = (userId: string, text: string) => ({
  token: 'legacy-verification-token',
  team_id: 'T0STANDIN',
  team_domain: 'standin',
  channel_id: CHANNEL,
  channel_name: 'customers',
  user_id: userId,
  user_name: userId.toLowerCase(),
  command: '/firsthand',
  text,
  api_app_id: 'A0FIRSTHAND',
  response_url: 'https://hooks.slack.invalid/commands/T0/1/x',
  trigger_id: `${Date.now()}.3.abcdef`,
});

describe('Slack in Socket Mode', () => {
  let h: Harness;
  let socket: SlackSocket;
  beforeAll(async () => {
    h = await startHarness({ socketMode: true, env: { SLACK_CHANNEL_MESSAGES_PER_SECOND: '20' } });
    socket = h.slack.socket!;
  });
  afterAll(async () => {
    await h?.stop();
  });

  async function newCard() {
    const status = h.mastodon.mention({ from: 'oskar', text: 'My wheel is still in the shop?' });
    await h.postMentions({
      network: 'mastodon',
      externalId: status.id,
      account: 'harbourbikes',
      author: { id: 'acct-oskar', handle: 'oskar' },
      text: 'My wheel is still in the shop?',
      url: status.url,
      createdAt: status.created_at,
    });
    const post = await waitFor(() =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.params.channel === CHANNEL && JSON.stringify(c.params).includes('oskar')),
    );
    const claim = (post.params.blocks as Block[])
      .flatMap((b) => b.elements ?? [])
      .find((e) => e.action_id === ACTION.claim)!;
    const conversationId = claim.value!.split(':')[0]!;
    const row = await waitFor(async () => {
      const [found] = await h.database.db
        .select()
        .from(conversations)
        .where(eq(conversations.id, conversationId));
      return found?.slackTs ? found : undefined;
    });
    return { conversationId, ts: row.slackTs!, assignee: row.assigneeId!, claimValue: claim.value! };
  }

  it('connects out with the app token and serves no HTTP endpoint for Slack', async () => {
    expect(h.slack.callsTo('apps.connections.open')).toHaveLength(1);
    expect(socket.connections()).toBe(1);
    const http = await h.command('U0SAM0001', 'me');
    expect(http.status).toBe(404);
  });

  it('takes a Claim click from the socket: acks it, redraws the card and writes the event', async () => {
    const card = await newCard();
    const claimer = ['U0SAM0001', 'U0JANE001'].find((s) => s !== card.assignee)!;
    const click = buttonClick({
      userId: claimer,
      actionId: ACTION.claim,
      value: card.claimValue,
      channel: CHANNEL,
      messageTs: card.ts,
    });

    // The same click over HTTP finds nobody listening and changes nothing.
    expect((await h.interact(click)).status).toBe(404);

    const ack = await socket.deliver('interactive', click);
    expect(ack.payload ?? {}).toEqual({});
    expect(socket.acks.filter((a) => a.envelope_id === ack.envelope_id)).toHaveLength(1);

    const redrawn = await waitFor(() =>
      h.slack
        .callsTo('chat.update')
        .find(
          (c) =>
            c.params.ts === card.ts && JSON.stringify(c.params.blocks).includes(`Assigned to <@${claimer}>`),
        ),
    );
    expect(redrawn.params.channel).toBe(CHANNEL);
    const claimed = await h.database.db
      .select()
      .from(events)
      .where(and(eq(events.conversationId, card.conversationId), eq(events.type, 'conversation.claimed')));
    expect(claimed).toHaveLength(1);
    expect(claimed[0]!.actor).toBe(claimer);
  });

  it('answers /firsthand me in the ack itself, seen only by the asker', async () => {
    const ack = await socket.deliver('slash_commands', slashCommand('U0LUCIA01', 'me'));
    expect(ack.payload?.response_type).toBe('ephemeral');
    expect(String(ack.payload?.text)).toMatch(/Available · \d+ open conversation/);

    const stranger = await socket.deliver('slash_commands', slashCommand('U0STRANGER', 'me'));
    expect(String(stranger.payload?.text)).toContain('not on this team');
  });

  it('takes Events API callbacks from the socket too', async () => {
    const since = Date.now();
    const ack = await socket.deliver('events_api', {
      token: 'legacy-verification-token',
      team_id: 'T0STANDIN',
      api_app_id: 'A0FIRSTHAND',
      type: 'event_callback',
      event_id: 'Ev0SOCKET01',
      event_time: Math.floor(since / 1000),
      event: {
        type: 'app_home_opened',
        user: 'U0TOM0001',
        channel: 'D0HOME',
        tab: 'home',
        event_ts: `${since / 1000}`,
      },
    });
    expect(ack.envelope_id).toBeTruthy();
    const published = await waitFor(() =>
      h.slack.callsTo('views.publish').find((c) => c.params.user_id === 'U0TOM0001' && c.at >= since),
    );
    expect(JSON.stringify(published.params.view)).toContain('Your conversations');
  });
});
