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

// C0 and C1 controls and DEL, and half a surrogate pair (which storage turns into U+FFFD, so two ids could meet).
const UNSAFE_IN_ID =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** An identifier is matched and compared, never shown as prose: a control character in one is refused. */
const identifier = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((value) => !UNSAFE_IN_ID.test(value), 'must not contain control characters');

/**
 * Free text from a customer is kept as written, except NUL, which PostgreSQL
 * cannot store (a mention holding one used to fail its whole batch, and the
 * sender retried it forever), and half a surrogate pair, stored as U+FFFD.
 */
/** Text as it can be stored: NUL dropped, half a surrogate pair made U+FFFD; nothing else changed. */
export const storableText = (value: string): string =>
  value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\ufffd');

const prose = () => z.string().overwrite(storableText);

export const MentionSchema = z.object({
  network: z.enum(NETWORKS),
  externalId: identifier(512),
  account: identifier(256),
  author: z.object({
    id: identifier(256),
    handle: identifier(256),
    name: prose().max(512).optional(),
    followers: z.number().int().nonnegative().optional(),
    verified: z.boolean().optional(),
  }),
  text: prose().max(100_000),
  url: z
    .url()
    .refine((value) => !UNSAFE_IN_ID.test(value), 'must not contain control characters')
    .optional(),
  inReplyTo: identifier(512).optional(),
  kind: z.enum(['mention', 'comment', 'reply', 'direct_message']).optional(),
  // The format alone admits year 0 and, through an offset, years beyond 9999, which PostgreSQL refuses.
  createdAt: z.iso.datetime({ offset: true }).refine((value) => {
    const year = new Date(value).getUTCFullYear();
    return year >= 1 && year <= 9999;
  }, 'must be a date between the years 1 and 9999'),
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
