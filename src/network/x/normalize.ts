import { z } from 'zod';
import type { Mention } from '../../contract/mention.js';
import { isoDate } from '../iso-date.js';

export const tweetUrl = (handle: string, id: string) => `https://x.com/${handle}/status/${id}`;

// ---- API v2 (polling) ------------------------------------------------------

export const V2User = z.object({
  id: z.string(),
  username: z.string().min(1),
  name: z.string().optional(),
  verified: z.boolean().optional(),
  public_metrics: z.object({ followers_count: z.number().int().nonnegative() }).partial().optional(),
});

const V2Tweet = z.object({
  id: z.string().regex(/^\d{1,19}$/),
  text: z.string(),
  author_id: z.string(),
  created_at: z.string(),
  referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
});

export const V2MentionsPage = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z
    .object({ users: z.array(z.unknown()).optional() })
    .partial()
    .optional(),
  meta: z
    .object({ newest_id: z.string().optional(), next_token: z.string().optional(), result_count: z.number() })
    .partial()
    .optional(),
});

/**
 * One page of GET /2/users/:id/mentions to normalized mentions. A post whose
 * author is missing from `includes.users` cannot be attributed and is left
 * out rather than stored half-known.
 */
export function normalizeV2Mentions(page: unknown, ourHandle: string): Mention[] {
  const parsed = V2MentionsPage.safeParse(page);
  if (!parsed.success) return [];
  const users = new Map<string, z.infer<typeof V2User>>();
  for (const raw of parsed.data.includes?.users ?? []) {
    const user = V2User.safeParse(raw);
    if (user.success) users.set(user.data.id, user.data);
  }
  const mentions: Mention[] = [];
  for (const raw of parsed.data.data ?? []) {
    const tweet = V2Tweet.safeParse(raw);
    if (!tweet.success) continue;
    const author = users.get(tweet.data.author_id);
    const createdAt = new Date(tweet.data.created_at);
    if (!author || Number.isNaN(createdAt.getTime())) continue;
    const parent = tweet.data.referenced_tweets?.find((ref) => ref.type === 'replied_to')?.id;
    mentions.push({
      network: 'x',
      externalId: tweet.data.id,
      account: ourHandle,
      author: {
        id: author.id,
        handle: author.username,
        name: author.name || undefined,
        followers: author.public_metrics?.followers_count,
        verified: author.verified,
      },
      text: tweet.data.text,
      url: tweetUrl(author.username, tweet.data.id),
      inReplyTo: parent,
      kind: parent ? 'reply' : 'mention',
      createdAt: createdAt.toISOString(),
    });
  }
  return mentions;
}

// ---- Account Activity (webhook, v1.1 tweet objects) ------------------------

export const ActivityTweet = z.object({
  id_str: z.string().regex(/^\d{1,19}$/, 'a numeric id'),
  created_at: z.string().refine((value) => !Number.isNaN(new Date(value).getTime()), 'a date'),
  text: z.string().optional(),
  extended_tweet: z.object({ full_text: z.string() }).optional(),
  in_reply_to_status_id_str: z.string().nullable().optional(),
  retweeted_status: z.unknown().optional(),
  user: z.object({
    id_str: z.string().min(1),
    screen_name: z.string().min(1),
    name: z.string().optional(),
    followers_count: z.number().int().nonnegative().optional(),
    verified: z.boolean().optional(),
  }),
  entities: z
    .object({
      user_mentions: z.array(z.object({ id_str: z.string(), screen_name: z.string() })).optional(),
    })
    .optional(),
});

/** A direct message event; `created_timestamp` is milliseconds since the epoch, as a string. */
export const ActivityDirectMessage = z.object({
  type: z.string(),
  id: z.string().regex(/^\d{1,19}$/, 'a numeric id'),
  created_timestamp: z.string().regex(/^\d{1,16}$/, 'milliseconds since the epoch'),
  message_create: z
    .object({
      target: z.object({ recipient_id: z.string().min(1) }),
      sender_id: z.string().min(1),
      message_data: z.object({ text: z.string() }),
    })
    .optional(),
});

/** The people a direct message delivery names, keyed by id: its events carry ids only. */
const ActivityUser = z.object({
  id: z.string().min(1),
  screen_name: z.string().min(1),
  name: z.string().optional(),
  followers_count: z.number().int().nonnegative().optional(),
  verified: z.boolean().optional(),
});

export const ActivityEnvelope = z.object({
  for_user_id: z.string().regex(/^\d{1,19}$/, 'a numeric user id'),
  tweet_create_events: z.array(ActivityTweet).optional(),
  direct_message_events: z.array(ActivityDirectMessage).optional(),
  users: z.record(z.string(), ActivityUser).optional(),
});
export type ActivityEnvelope = z.infer<typeof ActivityEnvelope>;

/**
 * Account Activity delivers every post and direct message that touches the
 * account, ours included. Our own posts and messages (the replies we just
 * sent) and plain retweets are not customer mentions and are dropped;
 * everything else becomes a mention.
 */
export function normalizeActivity(envelope: ActivityEnvelope): Mention[] {
  const mentions: Mention[] = [];
  const users = envelope.users ?? {};
  for (const event of envelope.direct_message_events ?? []) {
    const message = event.message_create;
    if (event.type !== 'message_create' || !message || message.sender_id === envelope.for_user_id) continue;
    const sender = users[message.sender_id];
    mentions.push({
      network: 'x',
      externalId: event.id,
      account: users[envelope.for_user_id]?.screen_name ?? envelope.for_user_id,
      author: {
        id: message.sender_id,
        handle: sender?.screen_name ?? message.sender_id,
        name: sender?.name || undefined,
        followers: sender?.followers_count,
        verified: sender?.verified,
      },
      text: message.message_data.text,
      kind: 'direct_message',
      createdAt: isoDate(Number(event.created_timestamp)),
    });
  }
  for (const tweet of envelope.tweet_create_events ?? []) {
    if (tweet.user.id_str === envelope.for_user_id || tweet.retweeted_status) continue;
    const text = tweet.extended_tweet?.full_text ?? tweet.text;
    if (text === undefined) continue;
    const ours = tweet.entities?.user_mentions?.find((m) => m.id_str === envelope.for_user_id);
    const parent = tweet.in_reply_to_status_id_str ?? undefined;
    mentions.push({
      network: 'x',
      externalId: tweet.id_str,
      account: ours?.screen_name ?? envelope.for_user_id,
      author: {
        id: tweet.user.id_str,
        handle: tweet.user.screen_name,
        name: tweet.user.name || undefined,
        followers: tweet.user.followers_count,
        verified: tweet.user.verified,
      },
      text,
      url: tweetUrl(tweet.user.screen_name, tweet.id_str),
      inReplyTo: parent,
      kind: parent ? 'reply' : 'mention',
      createdAt: new Date(tweet.created_at).toISOString(),
    });
  }
  return mentions;
}
