import { z } from 'zod';
import type { Mention } from '../../contract/mention.js';
import { isoDate } from '../iso-date.js';

const StrongRef = z.object({ uri: z.string().min(1), cid: z.string().min(1) });

export const PostRecord = z.object({
  text: z.string(),
  createdAt: z.string().optional(),
  reply: z.object({ root: StrongRef, parent: StrongRef }).optional(),
});

const Notification = z.object({
  uri: z.string().startsWith('at://'),
  cid: z.string(),
  reason: z.string(),
  indexedAt: z.string(),
  author: z.object({
    did: z.string().min(1),
    handle: z.string().min(1),
    displayName: z.string().optional(),
  }),
  record: z.unknown(),
});

export const REASONS = ['mention', 'reply', 'quote'] as const;

/** https://bsky.app/profile/<handle>/post/<rkey> for an at://<did>/app.bsky.feed.post/<rkey> uri. */
export function postUrl(handle: string, uri: string): string | undefined {
  const rkey = /^at:\/\/[^/]+\/app\.bsky\.feed\.post\/([^/]+)$/.exec(uri)?.[1];
  return rkey ? `https://bsky.app/profile/${handle}/post/${rkey}` : undefined;
}

/** A mention, reply or quote notification to a normalized mention; likes, follows and reposts are not. */
export function normalizeNotification(raw: unknown, ourHandle: string): Mention | undefined {
  const parsed = Notification.safeParse(raw);
  if (!parsed.success || !(REASONS as readonly string[]).includes(parsed.data.reason)) return undefined;
  const record = PostRecord.safeParse(parsed.data.record);
  if (!record.success) return undefined;
  const n = parsed.data;
  const created = new Date(record.data.createdAt ?? n.indexedAt);
  const parent = record.data.reply?.parent.uri;
  return {
    network: 'bluesky',
    externalId: n.uri,
    account: ourHandle,
    author: { id: n.author.did, handle: n.author.handle, name: n.author.displayName || undefined },
    text: record.data.text,
    url: postUrl(n.author.handle, n.uri),
    inReplyTo: parent,
    kind: parent ? 'reply' : 'mention',
    // An unreadable date is passed on as sent: the contract refuses that post alone, never the whole page.
    createdAt: Number.isNaN(created.getTime()) ? isoDate(n.indexedAt) : created.toISOString(),
  };
}

/** The reply refs for answering `parent`: its own root when it is itself a reply, else the parent. */
export function replyRefs(parent: { uri: string; cid: string; record: unknown }) {
  const self = { uri: parent.uri, cid: parent.cid };
  const record = PostRecord.safeParse(parent.record);
  return { root: (record.success && record.data.reply?.root) || self, parent: self };
}
