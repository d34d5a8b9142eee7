import { z } from 'zod';

/**
 * The normalized mention: the contract between every network adapter, the
 * queue, the router and the tools that read JSONL files. Extend, never rename.
 */
export const NETWORKS = ['x', 'facebook', 'instagram', 'mastodon', 'bluesky', 'generic'] as const;
export type Network = (typeof NETWORKS)[number];

/** How each network is named to people (Slack cards, routing reasons). */
export const NETWORK_NAMES: Record<Network, string> = {
  x: 'X',
  facebook: 'Facebook',
  instagram: 'Instagram',
  mastodon: 'Mastodon',
  bluesky: 'Bluesky',
  generic: 'the web',
};

export const MentionSchema = z.object({
  network: z.enum(NETWORKS),
  externalId: z.string().min(1).max(512),
  account: z.string().min(1).max(256),
  author: z.object({
    id: z.string().min(1).max(256),
    handle: z.string().min(1).max(256),
    name: z.string().max(512).optional(),
    followers: z.number().int().nonnegative().optional(),
    verified: z.boolean().optional(),
  }),
  text: z.string().max(100_000),
  url: z.url().optional(),
  inReplyTo: z.string().min(1).max(512).optional(),
  kind: z.enum(['mention', 'comment', 'reply', 'direct_message']).optional(),
  createdAt: z.iso.datetime({ offset: true }),
});
export type Mention = z.infer<typeof MentionSchema>;

/** Turns a zod failure into one message that names the offending field. */
export function describeIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = [root, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || 'body'}: ${issue.message}`;
    })
    .join('; ');
}
