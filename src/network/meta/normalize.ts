import { z } from 'zod';
import { describeIssues, type Mention } from '../../contract/mention.js';
import { isoDate } from '../iso-date.js';

/**
 * Meta's webhook deliveries (Pages `feed`: comments and visitors' posts;
 * Instagram `comments` and `mentions`; the `messages` of Messenger and
 * Instagram Direct) to normalized mentions. Changes we do not handle
 * (reactions, edits, story insights, read receipts, our own messages echoed
 * back) are skipped; one we do handle must be whole, or the delivery is
 * refused and nothing of it is stored.
 */
export const MetaEnvelope = z.object({
  object: z.enum(['page', 'instagram']),
  entry: z.array(
    z.object({
      id: z.string().min(1),
      time: z.number().optional(),
      changes: z.array(z.object({ field: z.string(), value: z.unknown() })).optional(),
      messaging: z.array(z.unknown()).optional(),
    }),
  ),
});
export type MetaEnvelope = z.infer<typeof MetaEnvelope>;

const unixOrIso = z.union([z.number().int().positive(), z.iso.datetime({ offset: true })]);
const toIso = (value: number | string) => isoDate(typeof value === 'number' ? value * 1000 : value);

const FeedComment = z.object({
  item: z.literal('comment'),
  verb: z.literal('add'),
  comment_id: z.string().min(1),
  post_id: z.string().min(1),
  parent_id: z.string().min(1).optional(),
  from: z.object({ id: z.string().min(1), name: z.string().optional() }),
  message: z.string(),
  created_time: unixOrIso,
});

// A visitor's own post on the Page (a status, or one with a photo or video) is as much theirs to answer.
const VISITOR_POST_ITEMS = new Set(['post', 'status', 'photo', 'video']);
const FeedPost = z.object({
  item: z.string(),
  verb: z.literal('add'),
  post_id: z.string().min(1),
  from: z.object({ id: z.string().min(1), name: z.string().optional() }),
  message: z.string(),
  created_time: unixOrIso,
});

const IgComment = z.object({
  id: z.string().min(1),
  text: z.string(),
  parent_id: z.string().min(1).optional(),
  from: z.object({ id: z.string().min(1), username: z.string().min(1) }),
  media: z.object({ id: z.string().min(1) }),
});

const IgMention = z.object({ media_id: z.string().min(1), comment_id: z.string().min(1) });

/** A customer's message in Messenger or Instagram Direct; `timestamp` is in milliseconds. */
const DirectMessage = z.object({
  sender: z.object({ id: z.string().min(1) }),
  recipient: z.object({ id: z.string().min(1) }),
  timestamp: z.number().int().positive(),
  message: z.object({
    mid: z.string().min(1),
    text: z.string().optional(),
    attachments: z.array(z.object({ type: z.string().min(1) })).optional(),
    is_echo: z.boolean().optional(),
    is_deleted: z.boolean().optional(),
  }),
});

/** What the team reads for a message: its text, and what it carried that Slack cannot show. */
function directMessageText(message: z.infer<typeof DirectMessage>['message']): string | undefined {
  const attached = (message.attachments ?? []).map((a) => a.type);
  const note = attached.length > 0 ? `(sent ${attached.join(', ')})` : undefined;
  if (message.text && note) return `${message.text}\n${note}`;
  return message.text || note;
}

/** An Instagram @mention arrives without its text; it is fetched before anything is stored. */
export interface PendingIgMention {
  account: string;
  mediaId: string;
  commentId: string;
  time: string;
}

/** The external id of a mention in someone else's comment: replies go through /{ig-user}/mentions, which needs both ids. */
export const igMentionExternalId = (mediaId: string, commentId: string) => `mention:${mediaId}:${commentId}`;

export type MetaNormalized =
  | { ok: true; mentions: Mention[]; pendingIgMentions: PendingIgMention[] }
  | { ok: false; error: string };

export function normalizeMetaWebhook(envelope: MetaEnvelope): MetaNormalized {
  const mentions: Mention[] = [];
  const pendingIgMentions: PendingIgMention[] = [];
  for (const [e, entry] of envelope.entry.entries()) {
    for (const [m, event] of (entry.messaging ?? []).entries()) {
      // Read receipts, deliveries, reactions and postbacks carry no message: nothing to answer.
      if (!(event as { message?: unknown } | null)?.message) continue;
      const parsed = DirectMessage.safeParse(event);
      if (!parsed.success)
        return { ok: false, error: describeIssues(parsed.error, `entry.${e}.messaging.${m}`) };
      const { sender, message, timestamp } = parsed.data;
      // Our own messages come back as echoes; an unsent message is gone for the customer too.
      if (message.is_echo || message.is_deleted || sender.id === entry.id) continue;
      const text = directMessageText(message);
      if (text === undefined) continue;
      mentions.push({
        network: envelope.object === 'page' ? 'facebook' : 'instagram',
        externalId: message.mid,
        account: entry.id,
        // The delivery names the sender by id only; the webhook handler asks Graph for a name.
        author: { id: sender.id, handle: sender.id },
        text,
        kind: 'direct_message',
        createdAt: isoDate(timestamp),
      });
    }
    const entryTime = entry.time ? toIso(entry.time) : undefined;
    for (const [c, change] of (entry.changes ?? []).entries()) {
      const at = `entry.${e}.changes.${c}.value`;
      if (envelope.object === 'page' && change.field === 'feed') {
        const kind = change.value as { item?: unknown; verb?: unknown; from?: { id?: unknown } } | null;
        if (kind?.verb !== 'add') continue;
        if (VISITOR_POST_ITEMS.has(String(kind.item))) {
          // The Page's own posts are not customers'; only a visitor's are.
          if (kind.from?.id === entry.id) continue;
          const parsed = FeedPost.safeParse(change.value);
          if (!parsed.success) return { ok: false, error: describeIssues(parsed.error, at) };
          const v = parsed.data;
          mentions.push({
            network: 'facebook',
            externalId: v.post_id,
            account: entry.id,
            author: { id: v.from.id, handle: v.from.name || v.from.id, name: v.from.name },
            text: v.message,
            kind: 'mention',
            createdAt: toIso(v.created_time),
          });
          continue;
        }
        if (kind.item !== 'comment') continue;
        const parsed = FeedComment.safeParse(change.value);
        if (!parsed.success) return { ok: false, error: describeIssues(parsed.error, at) };
        const v = parsed.data;
        // The Page's own comments are our replies coming back.
        if (v.from.id === entry.id) continue;
        const toComment = v.parent_id !== undefined && v.parent_id !== v.post_id;
        mentions.push({
          network: 'facebook',
          externalId: v.comment_id,
          account: entry.id,
          author: { id: v.from.id, handle: v.from.name || v.from.id, name: v.from.name },
          text: v.message,
          inReplyTo: toComment ? v.parent_id : v.post_id,
          kind: toComment ? 'reply' : 'comment',
          createdAt: toIso(v.created_time),
        });
      } else if (envelope.object === 'instagram' && change.field === 'comments') {
        const parsed = IgComment.safeParse(change.value);
        if (!parsed.success) return { ok: false, error: describeIssues(parsed.error, at) };
        const v = parsed.data;
        if (v.from.id === entry.id) continue;
        if (!entryTime) return { ok: false, error: `entry.${e}.time: required for comments` };
        mentions.push({
          network: 'instagram',
          externalId: v.id,
          account: entry.id,
          author: { id: v.from.id, handle: v.from.username },
          text: v.text,
          inReplyTo: v.parent_id ?? v.media.id,
          kind: v.parent_id ? 'reply' : 'comment',
          createdAt: entryTime,
        });
      } else if (envelope.object === 'instagram' && change.field === 'mentions') {
        const parsed = IgMention.safeParse(change.value);
        if (!parsed.success) return { ok: false, error: describeIssues(parsed.error, at) };
        if (!entryTime) return { ok: false, error: `entry.${e}.time: required for mentions` };
        pendingIgMentions.push({
          account: entry.id,
          mediaId: parsed.data.media_id,
          commentId: parsed.data.comment_id,
          time: entryTime,
        });
      }
    }
  }
  return { ok: true, mentions, pendingIgMentions };
}
