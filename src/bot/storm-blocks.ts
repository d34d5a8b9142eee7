import type { KnownBlock } from '@slack/types';
import type { StormFigures } from '../contract/events.js';
import type { ClusterView, StormClusterLine, StormTally } from '../db/cluster-view.repository.js';
import { ACTION, CLUSTER_ACTIONS_BLOCK } from './action-ids.js';
import { LIMITS, networkName } from './blocks.js';
import { escapeMrkdwn, fitEscaped, fitQuoted, mrkdwnLink, nameText, truncate } from './mrkdwn.js';

type Message = { text: string; blocks: KnownBlock[] };

const rate = (figures: StormFigures) =>
  figures.baselinePerMinute > 0
    ? `${figures.perMinute} mentions in the last minute, ${Math.round(figures.perMinute / figures.baselinePerMinute)}× the usual for this hour`
    : `${figures.perMinute} mentions in the last minute`;

/** The storm's root in the team channel: the owner named once, the clusters and the storm's cards below it. */
export function stormRootMessage(input: {
  ownerId: string | undefined;
  figures: StormFigures & { reasons?: string[] };
}): Message {
  const owner = input.ownerId ? `<@${input.ownerId}> ` : '';
  const why = (input.figures.reasons ?? []).map((r) => `• ${escapeMrkdwn(r)}`).join('\n');
  const text = truncate(
    `:tornado: ${owner}A storm: ${rate(input.figures)}. Mentions that tell the same story are gathered in this thread, one message per story with its count; everything else still gets its own card in the channel.${why ? `\n${why}` : ''}`,
    LIMITS.text,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

const sentimentMix = (view: ClusterView) => {
  const total = Math.max(1, view.count);
  return view.sentiments.map((s) => `${Math.round((100 * s.count) / total)}% ${s.sentiment}`).join(', ');
};

/** One story of a storm: its count, three posts in their words, where and how it is said, and what to do. */
export function clusterMessage(view: ClusterView): Message {
  if (view.status === 'merged') {
    const text =
      ':link: Another story turned out to be this one told differently: its mentions are counted in that one’s message in this thread.';
    return { text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] };
  }
  const networks = view.networks.map((n) => `${networkName(n.network)} ${n.count}`).join(' · ');
  const state =
    view.status === 'spam' ? ' — marked as spam' : view.assigneeId ? ` — with <@${view.assigneeId}>` : '';
  const replied = view.replied > 0 ? `, ${view.replied} answered` : '';
  const headline = `:speech_balloon: *${view.count} mention${view.count === 1 ? '* tells' : 's* tell'} this story${replied}${state}`;
  const posts = view.posts.map((post) => {
    const quoted = fitQuoted(post.text, 600).text;
    const said = post.said > 1 ? ` (said ${post.said} times)` : '';
    return `${mrkdwnLink(post.url, `@${nameText(post.handle, 60)}`)} on ${networkName(post.network)}${said}\n${quoted}`;
  });
  const loud = view.influential.map(
    (a) =>
      `@${nameText(a.handle, 60)} (${networkName(a.network)}, ${a.followers.toLocaleString('en-GB')} followers)`,
  );
  const owners = view.forOwner.reduce((sum, o) => sum + o.count, 0);
  const ownerLine =
    owners > 0
      ? `:warning: ${owners} of them ${owners === 1 ? 'is' : 'are'} for the owner: ${view.forOwner.map((o) => `${escapeMrkdwn(o.why)} (${o.count})`).join(', ')}`
      : undefined;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(headline, LIMITS.text) } },
    ...(ownerLine
      ? [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: truncate(ownerLine, LIMITS.text) },
          },
        ]
      : []),
    ...posts.map(
      (text): KnownBlock => ({
        type: 'section',
        text: { type: 'mrkdwn', text: truncate(text, LIMITS.text) },
      }),
    ),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(`${networks || 'no network yet'} · ${sentimentMix(view)}`, LIMITS.text),
        },
        ...(loud.length > 0
          ? [{ type: 'mrkdwn' as const, text: truncate(`Loudest: ${loud.join(', ')}`, LIMITS.text) }]
          : []),
      ],
    },
  ];
  if (view.status === 'open')
    blocks.push({
      type: 'actions',
      block_id: `${CLUSTER_ACTIONS_BLOCK}${view.id}`,
      elements: [
        {
          type: 'users_select',
          action_id: ACTION.clusterAssign,
          placeholder: { type: 'plain_text', text: 'Give the story to…' },
          ...(view.assigneeId ? { initial_user: view.assigneeId } : {}),
        },
        {
          type: 'button',
          action_id: ACTION.clusterReply,
          value: String(view.id),
          style: 'primary',
          text: { type: 'plain_text', text: `Reply to all ${view.count}…` },
        },
        {
          type: 'button',
          action_id: ACTION.clusterSplit,
          value: String(view.id),
          text: { type: 'plain_text', text: 'Split one off…' },
        },
        {
          type: 'button',
          action_id: ACTION.clusterSpam,
          value: String(view.id),
          style: 'danger',
          text: { type: 'plain_text', text: 'All spam' },
          confirm: {
            title: { type: 'plain_text', text: 'Mark the story as spam?' },
            text: { type: 'plain_text', text: `All ${view.count} mentions are filed as spam, unanswered.` },
            confirm: { type: 'plain_text', text: 'Spam' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  return {
    // The fallback is customer text too: escaped, as every field is.
    text: fitEscaped(`${view.count} mentions tell one story: ${view.posts[0]?.text ?? ''}`, LIMITS.text),
    blocks,
  };
}

const storyLine = (c: StormClusterLine) => {
  const who = c.status === 'spam' ? 'spam' : c.assigneeId ? `with <@${c.assigneeId}>` : 'nobody has it';
  return `• *${c.count}*: “${escapeMrkdwn(truncate(c.sample.replace(/\s+/g, ' '), 120))}” — ${who}${c.replied > 0 ? `, ${c.replied} answered` : ''}`;
};

/** The DM to the person a story was given to: what it says, how many tell it, where to answer them. */
export function storyGivenMessage(input: {
  view: ClusterView;
  by: string;
  link: string | undefined;
}): Message {
  const { view } = input;
  // Built from escaped parts; the only mention in it is `by`, a roster id the app checked.
  const text = truncate(
    [
      `<@${input.by}> gave you a story of the storm: ${view.count} mention${view.count === 1 ? ' tells' : 's tell'} it${view.replied > 0 ? `, ${view.replied} answered so far` : ''}.`,
      fitQuoted(view.posts[0]?.text || '(no text)', 600).text,
      `Answer them all at once with *Reply to all* on the story's message, or split off the ones that need their own answer.${input.link ? ` ${mrkdwnLink(input.link, 'The story in Slack')}` : ''}`,
    ].join('\n'),
    LIMITS.text,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The one DM the owner gets about a storm, updated in place: what it is about, how big, which way it goes. */
export function stormOwnerMessage(input: {
  figures: StormFigures;
  tally: StormTally;
  clusters: StormClusterLine[];
  ended: boolean;
  link: string | undefined;
}): Message {
  const { tally } = input;
  const direction = input.ended
    ? 'It is over.'
    : tally.lastFiveMinutes > tally.fiveMinutesBefore * 1.2
      ? `Still growing: ${tally.lastFiveMinutes} in the last five minutes, ${tally.fiveMinutesBefore} in the five before.`
      : tally.lastFiveMinutes < tally.fiveMinutesBefore * 0.8
        ? `Easing off: ${tally.lastFiveMinutes} in the last five minutes, ${tally.fiveMinutesBefore} in the five before.`
        : `Holding steady: ${tally.lastFiveMinutes} in the last five minutes.`;
  const top = input.clusters.slice(0, 5).map(storyLine);
  const text = truncate(
    [
      `:tornado: *A storm${input.ended ? ' (ended)' : ''}*: ${tally.mentions} mentions so far (${rate(input.figures)} when it began). ${direction}`,
      top.length > 0 ? `Top stories:\n${top.join('\n')}` : 'No story stands out yet.',
      `${tally.clustered} counted in stories; ${tally.cards} with their own card, ${tally.cardsOpen} of them still open.`,
      input.link ? mrkdwnLink(input.link, 'The storm thread') : '',
    ]
      .filter(Boolean)
      .join('\n'),
    LIMITS.text,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** The storm's summary in its thread: how many, which stories, who answered, what is still open. */
export function stormSummaryMessage(input: { tally: StormTally; clusters: StormClusterLine[] }): Message {
  const { tally } = input;
  const answered =
    tally.answeredBy.length > 0
      ? tally.answeredBy.map((a) => `<@${a.staffId}> ${a.replies}`).join(', ')
      : 'nobody yet';
  const open = input.clusters.filter((c) => c.status === 'open' && c.replied < c.count);
  const text = truncate(
    [
      `:white_check_mark: *The storm is over.* ${tally.mentions} mentions: ${tally.clustered} in ${input.clusters.length} stories, ${tally.cards} on their own cards.`,
      ...input.clusters.slice(0, 10).map(storyLine),
      `Answered by: ${answered}.`,
      `Still open: ${open.length} ${open.length === 1 ? 'story' : 'stories'} not fully answered, ${tally.cardsOpen} cards.`,
    ].join('\n'),
    LIMITS.text,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** How one "reply to all" went, member by member: in the storm thread, updated as its replies go out. */
export function clusterRepliesMessage(input: {
  replies: {
    status: 'queued' | 'posted' | 'failed';
    network: string;
    handle: string;
    error: string | null;
  }[];
  notSent: { network: string; handle: string; reason: string }[];
}): Message {
  const count = (status: string) => input.replies.filter((r) => r.status === status).length;
  const who = (r: { network: string; handle: string }) =>
    `@${nameText(r.handle, 60)} on ${networkName(r.network)}`;
  const listed = <T>(items: T[], line: (item: T) => string) => {
    const shown = items.slice(0, 10).map(line).join('; ');
    return items.length > 10 ? `${shown}; and ${items.length - 10} more` : shown;
  };
  const failed = input.replies.filter((r) => r.status === 'failed');
  const parts = [
    `${count('posted')} posted`,
    ...(failed.length > 0
      ? [
          `${failed.length} failed (${listed(failed, (r) => `${who(r)}: ${escapeMrkdwn(truncate(r.error ?? 'unknown error', 200))}`)})`,
        ]
      : []),
    ...(input.notSent.length > 0
      ? [
          `${input.notSent.length} not sent (${listed(input.notSent, (r) => `${who(r)}: ${escapeMrkdwn(truncate(r.reason, 200))}`)})`,
        ]
      : []),
    ...(count('queued') > 0 ? [`${count('queued')} waiting`] : []),
  ];
  const icon =
    count('queued') > 0 ? ':hourglass_flowing_sand:' : failed.length > 0 ? ':warning:' : ':white_check_mark:';
  const text = truncate(`${icon} Reply to all: ${parts.join(', ')}.`, LIMITS.text);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
