import type { KnownBlock, PlainTextOption, View } from '@slack/types';
import { NETWORK_NAMES } from '../contract/mention.js';
import { notPostedWords } from '../network/connector.js';
import {
  ACTION,
  actionsBlockId,
  encodeClaimValue,
  encodeReplyMetadata,
  REPLY_INPUT,
  REPLY_MODAL,
  REPLY_VISIBILITY,
  type ReplyModalMetadata,
  SNOOZE_OPTIONS,
} from './action-ids.js';
import { slackDate } from './clock.js';
import {
  displayName,
  escapeMrkdwn,
  fitEscaped,
  fitQuoted,
  formatDuration,
  mrkdwnLink,
  nameText,
  truncate,
} from './mrkdwn.js';

/**
 * Pure Block Kit builders: data in, Slack JSON out, always within Block
 * Kit's limits (50 blocks a message, 100 a view, 3,000 characters a text,
 * 2,000 a field, 75 a button label). Long customer text is cut and the cut
 * says where the rest is. Customer data (names, handles, texts, reasons,
 * a network's own words) enters a text only through mrkdwn.ts's escaping
 * (nameText, fitEscaped, fitQuoted, escapeMrkdwn), in every field: blocks,
 * the notification `text`, plain_text labels and titles alike.
 */

// Own keys only: a value like "constructor" must not find Object.prototype's.
const lookup = (table: Record<string, string>, key: string) =>
  Object.hasOwn(table, key) ? table[key] : undefined;
/** The network's name for display, not yet escaped: for labels that mrkdwnLink escapes. */
const networkLabel = (network: string) =>
  lookup(NETWORK_NAMES as Record<string, string>, network) ?? truncate(displayName(network), 40);
/** The network's name, escaped for any text field. */
export const networkName = (network: string) => escapeMrkdwn(networkLabel(network));

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  text: 3000,
  field: 2000,
  fields: 10,
  contextElements: 10,
  buttonText: 75,
  placeholder: 150,
  viewTitle: 24,
} as const;

export interface ConversationCard {
  conversationId: string;
  network: string;
  status: 'open' | 'replied' | 'waiting' | 'resolved' | 'spam' | 'not_spam';
  escalated: boolean;
  assigneeId: string | null;
  author: { handle: string; name: string | null; followers: number | null; verified: boolean | null };
  text: string;
  url: string | null;
  /** The customer wrote to us privately: the card says so, as nothing of it may be quoted in public. */
  privateMessage?: boolean;
  /** Where the network takes an answer only for a while (Messenger, Instagram Direct), until when. */
  answerBy?: { at: Date; inbox: string };
  reasons: string[];
  openedAt: Date;
  lastReply: { staffId: string; postedAt: Date } | undefined;
  firstRepliedAt: Date | null;
  closedBy: string | undefined;
  /** What the router read from the mention, when it says so. */
  understanding?: { language?: string; sentiment?: string; intent?: string };
  priority?: string;
  dueAt?: Date;
  /** Set only while a snooze is in effect. */
  snoozedUntil?: Date;
  /** The running response clock's latest step: a reminder, an offer, nobody free, the owner told. */
  clockStep?: { outcome: string; at: Date; to?: string };
  followups?: number;
}

const PRIORITY_MARK: Record<string, string> = {
  urgent: ':red_circle: Urgent',
  high: ':large_orange_circle: High',
  normal: ':large_blue_circle: Normal',
  low: ':white_circle: Low',
};

function authorLine(author: ConversationCard['author']): string {
  const parts = [`@${nameText(author.handle, 100)}`];
  if (author.followers !== null) parts.push(`${author.followers.toLocaleString('en')} followers`);
  if (author.verified) parts.push('verified :white_check_mark:');
  const name = author.name ? `*${nameText(author.name, 100)}* ` : '';
  return `${name}${parts.join(' · ')}`;
}

function statusLine(card: ConversationCard): string {
  if (card.status === 'resolved')
    return `:white_check_mark: Resolved${card.closedBy ? ` by <@${card.closedBy}>` : ''}`;
  if (card.status === 'spam')
    return `:no_entry_sign: Marked as spam${card.closedBy ? ` by <@${card.closedBy}>` : ''}`;
  // The filter's conversation once its mention was brought back; that mention has a card of its own.
  if (card.status === 'not_spam') return ':leftwards_arrow_with_hook: Brought back from the spam filter';
  if (card.status === 'waiting') return ':speech_balloon: Waiting on the customer';
  const assignee = card.assigneeId ? `<@${card.assigneeId}>` : 'nobody yet: claim it';
  const lines = [
    `${card.escalated ? ':rotating_light: Escalated to the owner,' : 'Assigned to'} ${assignee}`,
  ];
  if (card.lastReply && card.firstRepliedAt) {
    const after = formatDuration(card.firstRepliedAt.getTime() - card.openedAt.getTime());
    lines.push(`:speech_balloon: Replied by <@${card.lastReply.staffId}> after ${after}`);
  }
  if (card.snoozedUntil) lines.push(`:zzz: Snoozed until ${slackDate(card.snoozedUntil)}`);
  const step = card.clockStep ? clockStepLine(card.clockStep) : undefined;
  if (step) lines.push(step);
  return lines.join('\n');
}

/** The response clock's latest step, for the card; `to` is a roster id the app chose. */
function clockStepLine(step: { outcome: string; at: Date; to?: string }): string | undefined {
  const when = slackDate(step.at);
  switch (step.outcome) {
    case 'reminded':
      return `:hourglass_flowing_sand: Half its response time gone: reminder sent ${when}`;
    case 'offered':
      return `:raising_hand: Past its target: offered to ${who(step.to)} ${when}`;
    case 'claimed':
      return `:raising_hand: Past its target: claimed by ${who(step.to)} on the clock's offer ${when}`;
    case 'nobody_free':
      return `:hourglass: Past its target, and nobody else is free (${when})`;
    case 'owner_told':
      return `:rotating_light: Still unanswered: the owner was told ${when}`;
    default:
      return undefined;
  }
}

/** The customer's words, cut to fit, with a link to the original (and to the rest when cut). */
function bodyText(text: string, url: string | null, network: string, budget: number): string {
  const name = networkLabel(network);
  const full = mrkdwnLink(url, `View on ${name}`);
  const rest = mrkdwnLink(url, `Read the whole post on ${name}`);
  const tail = Math.max(full.length, rest.length, 40) + 1;
  const fitted = fitQuoted(text || '(no text)', budget - tail);
  if (!fitted.cut) return full ? `${fitted.text}\n${full}` : fitted.text;
  return `${fitted.text}\n${rest || `_(cut after ${fitted.text.length} characters)_`}`;
}

function factFields(card: ConversationCard): { type: 'mrkdwn'; text: string }[] {
  const field = (label: string, value: string) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, LIMITS.field),
  });
  const fields = [];
  if (card.priority) fields.push(field('Priority', lookup(PRIORITY_MARK, card.priority) ?? card.priority));
  if (card.dueAt) fields.push({ type: 'mrkdwn' as const, text: `*Respond by*\n${slackDate(card.dueAt)}` });
  if (card.answerBy) {
    const label = `${card.answerBy.inbox} takes an answer until`;
    fields.push({ type: 'mrkdwn' as const, text: `*${label}*\n${slackDate(card.answerBy.at)}` });
  }
  const u = card.understanding ?? {};
  if (u.language) fields.push(field('Language', u.language));
  if (u.sentiment) fields.push(field('Sentiment', u.sentiment));
  if (u.intent) fields.push(field('Intent', u.intent));
  return fields.slice(0, LIMITS.fields);
}

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(text, max) });

function actionRows(card: ConversationCard): KnownBlock[] {
  const button = (action: string, label: string, value: string, style?: 'primary' | 'danger') => ({
    type: 'button' as const,
    action_id: action,
    value,
    text: plain(label, LIMITS.buttonText),
    ...(style ? { style } : {}),
  });
  const id = card.conversationId;
  const option = (value: string, label: string): PlainTextOption => ({ value, text: plain(label, 75) });
  return [
    {
      type: 'actions',
      block_id: actionsBlockId('buttons', id),
      elements: [
        button(ACTION.reply, 'Reply', id, 'primary'),
        button(ACTION.claim, 'Claim', encodeClaimValue(id, card.assigneeId)),
        ...(card.escalated ? [] : [button(ACTION.escalate, 'Escalate to owner', id, 'danger')]),
        button(ACTION.resolve, 'Resolve', id),
        button(ACTION.waiting, 'Waiting on customer', id),
        {
          ...button(ACTION.spam, 'Mark as spam', id),
          confirm: {
            title: plain('Mark as spam?', 100),
            text: plain('The conversation closes and nobody replies to it.', 300),
            confirm: plain('Mark as spam', 30),
            deny: plain('Cancel', 30),
          },
        },
      ],
    },
    {
      type: 'actions',
      block_id: actionsBlockId('menus', id),
      elements: [
        {
          type: 'users_select',
          action_id: ACTION.reassign,
          placeholder: plain('Reassign to…', LIMITS.placeholder),
        },
        {
          type: 'static_select',
          action_id: ACTION.snooze,
          placeholder: plain('Snooze…', LIMITS.placeholder),
          options: Object.entries(SNOOZE_OPTIONS).map(([value, label]) => option(value, label)),
        },
      ],
    },
  ];
}

export function conversationMessage(card: ConversationCard): { text: string; blocks: KnownBlock[] } {
  const network = networkName(card.network);
  const where = card.privateMessage ? `*${network}* private message` : `*${network}*`;
  const header = `:incoming_envelope: ${where} · ${authorLine(card.author)}`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(header, LIMITS.text) } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: bodyText(card.text, card.url, card.network, LIMITS.text) },
    },
  ];
  const fields = factFields(card);
  if (fields.length > 0) blocks.push({ type: 'section', fields });
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(statusLine(card), LIMITS.text) } });
  const context: string[] = [];
  if (card.reasons.length > 0) context.push(`Why: ${escapeMrkdwn(card.reasons.join(' · '))}`);
  if (card.followups)
    context.push(`${card.followups} follow-up${card.followups === 1 ? '' : 's'} in the thread`);
  if (context.length > 0) {
    blocks.push({
      type: 'context',
      elements: context.map((text) => ({ type: 'mrkdwn' as const, text: truncate(text, LIMITS.text) })),
    });
  }
  if (card.status === 'open' || card.status === 'replied' || card.status === 'waiting')
    blocks.push(...actionRows(card));
  const head = `New ${card.privateMessage ? 'private message' : 'mention'} on ${network} from @${nameText(card.author.handle, 100)}: `;
  return { text: head + fitEscaped(card.text, LIMITS.text - head.length), blocks };
}

export function followupMessage(followup: {
  handle: string;
  text: string;
  url: string | null;
  network?: string;
}): {
  text: string;
  blocks: KnownBlock[];
} {
  const handle = nameText(followup.handle, 100);
  const head = `:speech_balloon: Follow-up from @${handle}:\n`;
  const body = bodyText(
    followup.text,
    followup.url,
    followup.network ?? 'generic',
    LIMITS.text - head.length,
  );
  return {
    text: `Follow-up from @${handle}: ${fitEscaped(followup.text, LIMITS.text - `Follow-up from @${handle}: `.length)}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: head + body } }],
  };
}

/** One thing that happened to a conversation, as the events table records it. */
export interface LoggedEvent {
  type: string;
  actor: string;
  details: Record<string, unknown>;
}

const who = (id: unknown) =>
  typeof id === 'string' && /^[UW][A-Z0-9]+$/.test(id) ? `<@${id}>` : 'Firsthand';

/** The thread's log line for an event, or undefined for events the thread does not show. */
export function logLine(event: LoggedEvent): string | undefined {
  const d = event.details;
  const actor = who(event.actor);
  switch (event.type) {
    case 'conversation.claimed':
      return `:raising_hand: ${actor} claimed this${d.previousAssigneeId ? ` from ${who(d.previousAssigneeId)}` : ''}.`;
    case 'conversation.reassigned':
      return `:arrows_counterclockwise: ${actor} handed this to ${who(d.assigneeId)}${d.previousAssigneeId ? ` (was ${who(d.previousAssigneeId)})` : ''}.`;
    case 'conversation.escalated':
      return `:rotating_light: ${actor} escalated this to the owner ${who(d.ownerId)}.`;
    case 'conversation.resolved':
      return `:white_check_mark: ${actor} resolved this.`;
    case 'conversation.spam':
      return `:no_entry_sign: ${actor} marked this as spam.`;
    case 'conversation.snoozed':
      return typeof d.until === 'string'
        ? `:zzz: ${actor} snoozed this until ${slackDate(new Date(d.until))}.`
        : undefined;
    case 'conversation.snooze_ended':
      return `:alarm_clock: The snooze is over; this needs an answer.`;
    case 'conversation.waiting':
      return `:speech_balloon: ${actor} is waiting on the customer; the response clock is stopped until they write.`;
    case 'conversation.auto_closed':
      return `:zzz: No word from the customer in ${typeof d.quietDays === 'number' ? d.quietDays : 'several'} days: closed. It opens again if they write.`;
    case 'conversation.reopened':
      return `:leftwards_arrow_with_hook: The customer wrote again after our reply: the response clock runs again.`;
    case 'clock.step':
      return clockLine(d);
    case 'reply.posted': {
      const link = mrkdwnLink(typeof d.url === 'string' ? d.url : null, 'View the reply');
      const text = typeof d.text === 'string' ? `\n${fitQuoted(d.text, 2000).text}` : '';
      return `:outbox_tray: ${actor} replied${link ? ` (${link})` : ''}.${text}`;
    }
    case 'reply.failed':
      return `:warning: A reply by ${actor === 'Firsthand' ? 'a colleague' : actor} ${notPostedWords(d.code)}: ${escapeMrkdwn(truncate(String(d.message ?? 'unknown error'), 500))}`;
    default:
      return undefined;
  }
}

/** A step of the response clock, as its thread line. */
function clockLine(d: Record<string, unknown>): string | undefined {
  const due = typeof d.dueAt === 'string' ? slackDate(new Date(d.dueAt)) : 'its time';
  switch (d.outcome) {
    case 'reminded':
      return `:hourglass_flowing_sand: Half the response target has passed (at ${due}); ${who(d.to)} got a reminder.`;
    case 'offered':
      return `:raising_hand: No answer by ${due}: offered to ${who(d.to)}, who is free now, to claim${d.from ? `; ${who(d.from)} can still answer` : ''}.`;
    case 'passed':
      return `:fast_forward: ${who(d.from)} passed on it.`;
    case 'nobody_free':
      return `:hourglass: No answer by the response target (${due}), and nobody else eligible is free now.`;
    case 'owner_told':
      return `:rotating_light: Still unanswered at ${due}: the owner ${who(d.to)} was told.`;
    default:
      return undefined;
  }
}

/** The pointer left in a moved conversation's old thread: where it went, who moved it, and a link. */
export function movedLine(channel: string, by: string | undefined, link: string | undefined): string {
  const there = mrkdwnLink(link ?? null, 'See it there');
  return `:arrow_right: Moved to <#${channel}>${by ? ` by ${who(by)}` : ''}${there ? `: ${there}` : ''}.`;
}

export function logMessage(line: string): { text: string; blocks: KnownBlock[] } {
  const text = truncate(line, LIMITS.text);
  return { text, blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }] };
}

/** A direct message to one person about one conversation, with a link back to it. */
export function conversationDm(input: {
  kind: 'assigned' | 'reassigned' | 'escalated' | 'snooze_ended' | 'reminder' | 'overdue' | 'offer';
  card: ConversationCard;
  link: string | undefined;
  by?: string;
  reasons?: string[];
  /** A line below the rest, such as why no more DMs like this one will follow for a while. */
  note?: string;
}): { text: string; blocks: KnownBlock[] } {
  const { card } = input;
  const network = networkName(card.network);
  // Built from escaped parts; the only mention in it is `who(by)`, a roster id the app checked.
  const from = `@${nameText(card.author.handle, 100)}`;
  // "an X", "an Instagram", "a Mastodon": the article follows how the name is said.
  const aNetwork = `${/^[aeiox]/i.test(network) ? 'an' : 'a'} ${network}`;
  const headline = {
    assigned: `You have a new ${network} conversation with ${from}.`,
    reassigned: `${input.by ? who(input.by) : 'A colleague'} handed you ${aNetwork} conversation with ${from}.`,
    escalated: `${input.by ? who(input.by) : 'Firsthand'} escalated ${aNetwork} conversation with ${from} to you.`,
    snooze_ended: `Your snooze on the ${network} conversation with ${from} is over.`,
    reminder: `A reminder: ${from} is still waiting for an answer on ${network}.`,
    overdue: `${from} has waited well past the response target on ${network}, and nobody has answered yet.`,
    offer: `${from} is still waiting for an answer on ${network}, and you are free: claim it to take it over, or pass.`,
  }[input.kind];
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: headline } },
    { type: 'section', text: { type: 'mrkdwn', text: fitQuoted(card.text || '(no text)', 1500).text } },
  ];
  const facts: string[] = [];
  if (card.dueAt) facts.push(`Respond by ${slackDate(card.dueAt)}`);
  const link = mrkdwnLink(input.link, 'Open the conversation in Slack', 2000);
  if (link) facts.push(link);
  if (facts.length) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: facts.join(' · ') } });
  const reasons = input.reasons ?? [];
  if (reasons.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: truncate(`Why: ${escapeMrkdwn(reasons.join(' · '))}`, LIMITS.text) },
      ],
    });
  }
  if (input.note) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(input.note, LIMITS.text) }] });
  }
  if (input.kind === 'offer') {
    const id = card.conversationId;
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION.claim,
          value: encodeClaimValue(id, card.assigneeId),
          text: plain('Claim', LIMITS.buttonText),
          style: 'primary',
        },
        { type: 'button', action_id: ACTION.pass, value: id, text: plain('Pass', LIMITS.buttonText) },
      ],
    });
  }
  return { text: `${headline} ${fitEscaped(card.text, LIMITS.text - headline.length - 1)}`, blocks };
}

/** The ephemeral note telling a colleague their reply did not go out, and the network's reason. */
export function replyFailedNotice(input: { handle: string; code: string; message: string }): string {
  const why = fitEscaped(input.message, 1000);
  return `Your reply to @${nameText(input.handle, 100)} ${notPostedWords(input.code)}: ${why}`;
}

/** An alert for the owner in the team channel; its text may quote a network, so it is escaped. */
export function ownerAlert(ownerId: string | undefined, text: string): { text: string } {
  const head = `${ownerId ? `${who(ownerId)} ` : ''}:warning: `;
  return { text: head + fitEscaped(text, LIMITS.text - head.length) };
}

export interface ModalTurn {
  from: string;
  text: string;
}

function replyHint(input: {
  authorHandle: string;
  limit: { max: number; unit: string };
  privateAllowed?: boolean;
  privateOnly?: boolean;
  privateLimit?: { max: number; unit: string };
}): string {
  if (input.privateOnly) {
    const limit = input.privateLimit ?? input.limit;
    return `@${input.authorHandle} wrote privately, so this goes back as a private message under the brand account. Up to ${limit.max} ${limit.unit}.`;
  }
  const publicLimit = `${input.limit.max} ${input.limit.unit}`;
  if (!input.privateAllowed)
    return `Posted publicly under the brand account. Up to ${publicLimit}, including the @mention.`;
  const privateLimit = input.privateLimit && `${input.privateLimit.max} ${input.privateLimit.unit}`;
  if (!privateLimit || privateLimit === publicLimit) {
    return `Sent under the brand account. Up to ${publicLimit}, including the @mention.`;
  }
  return `Sent under the brand account. A public reply holds up to ${publicLimit}, including the @mention; a private message up to ${privateLimit}.`;
}

export function replyModal(input: {
  network: string;
  authorHandle: string;
  turns: ModalTurn[];
  metadata: ReplyModalMetadata;
  limit: { max: number; unit: string };
  /** Offer a private message as well as the public reply (only where the network has one). */
  privateAllowed?: boolean;
  /** Answer privately with no choice offered: the customer wrote a direct message. */
  privateOnly?: boolean;
  /** The private message's own limit, named in the hint when it differs from the public one. */
  privateLimit?: { max: number; unit: string };
}): View {
  // A modal holds 100 blocks: the latest turns, a note about older ones, and the input.
  const shown = input.turns.slice(-90);
  const hidden = input.turns.length - shown.length;
  const blocks: KnownBlock[] = [];
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `${hidden} earlier message${hidden === 1 ? '' : 's'} not shown.` }],
    });
  }
  for (const turn of shown) {
    const head = `*${nameText(turn.from, 200)}*\n`;
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: head + fitQuoted(turn.text || '(no text)', LIMITS.text - head.length).text,
      },
    });
  }
  blocks.push({
    type: 'input',
    block_id: REPLY_INPUT.block,
    label: plain(`Your reply to @${nameText(input.authorHandle, 200)}`, 2000),
    hint: plain(replyHint({ ...input, authorHandle: nameText(input.authorHandle, 200) }), 2000),
    element: {
      type: 'plain_text_input',
      action_id: REPLY_INPUT.action,
      multiline: true,
      // Slack's ceiling for a text input, so not the reply's limit: that depends on the public or
      // private choice and is checked on submission. A Facebook comment (8,000) or an X direct
      // message (10,000) longer than this cannot be written here.
      max_length: 3000,
    },
  });
  if (input.privateAllowed && !input.privateOnly) {
    const option = (value: 'public' | 'private', text: string, description: string) => ({
      value,
      text: plain(text, 75),
      description: plain(description, 75),
    });
    const publicReply = option('public', 'Public reply', 'In the thread, where everyone can see it');
    blocks.push({
      type: 'input',
      block_id: REPLY_VISIBILITY.block,
      label: plain('Where', 2000),
      element: {
        type: 'radio_buttons',
        action_id: REPLY_VISIBILITY.action,
        initial_option: publicReply,
        options: [
          publicReply,
          option('private', 'Private message', `Only @${nameText(input.authorHandle, 40)} sees it`),
        ],
      },
    });
  }
  return {
    type: 'modal',
    callback_id: REPLY_MODAL,
    private_metadata: encodeReplyMetadata(input.metadata),
    title: plain(`Reply on ${networkName(input.network)}`, LIMITS.viewTitle),
    submit: plain('Post reply', LIMITS.viewTitle),
    close: plain('Cancel', LIMITS.viewTitle),
    blocks,
  };
}
