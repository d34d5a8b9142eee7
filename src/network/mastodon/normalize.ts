import { decodeHTML } from 'entities';
import { z } from 'zod';
import type { Mention } from '../../contract/mention.js';
import { isoDate } from '../iso-date.js';

export const Account = z.object({
  id: z.string(),
  acct: z.string(),
  username: z.string(),
  display_name: z.string().optional(),
  followers_count: z.number().int().nonnegative().optional(),
  bot: z.boolean().optional(),
});

export const Status = z.object({
  id: z.string(),
  created_at: z.string(),
  in_reply_to_id: z.string().nullable().optional(),
  content: z.string(),
  visibility: z.string().optional(),
  url: z.string().nullable().optional(),
  uri: z.string().optional(),
  account: Account,
});

const Notification = z.object({
  id: z.string(),
  type: z.string(),
  created_at: z.string(),
  account: Account,
  status: Status.optional(),
});

/** Mastodon status HTML to the plain text a person would read. */
export function statusText(html: string): string {
  const withBreaks = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '');
  return decodeHTML(withBreaks).trim();
}

export function normalizeNotification(raw: unknown, ourAccount: string): Mention | undefined {
  const parsed = Notification.safeParse(raw);
  if (!parsed.success || parsed.data.type !== 'mention' || !parsed.data.status) return undefined;
  const { status } = parsed.data;
  const kind =
    status.visibility === 'direct' ? 'direct_message' : status.in_reply_to_id ? 'reply' : 'mention';
  return {
    network: 'mastodon',
    externalId: status.id,
    account: ourAccount,
    author: {
      id: status.account.id,
      handle: status.account.acct,
      name: status.account.display_name || undefined,
      followers: status.account.followers_count,
    },
    text: statusText(status.content),
    url: status.url ?? undefined,
    inReplyTo: status.in_reply_to_id ?? undefined,
    kind,
    createdAt: isoDate(status.created_at),
  };
}
