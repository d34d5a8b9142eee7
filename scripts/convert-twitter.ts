/**
 * Converts the Twitter customer-care dataset (fixtures/twitter-customer-care/conversations.json)
 * into normalized mentions, one JSON object a line, for the demo, the benchmark and tests.
 *
 *   npx tsx scripts/convert-twitter.ts [input.json] [output.jsonl]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { type Mention, MentionSchema } from '../src/contract/mention.js';

export const DEFAULT_INPUT = 'fixtures/twitter-customer-care/conversations.json';
export const DEFAULT_OUTPUT = 'fixtures/twitter-customer-care/mentions.jsonl';

// A turn is a customer's (`client`), another customer's joining in (`client1`), or the company's (`agent`).
const TurnSchema = z.object({
  client: z.string().optional(),
  client1: z.string().optional(),
  agent: z.string().optional(),
  datetime: z.iso.datetime(),
  message: z.string(),
  tweet_ID: z.string().regex(/^\d+$/),
});

const ConversationSchema = z.object({
  dialogHeader: z.object({ company: z.string().min(1), sessionID: z.string().min(1) }),
  dialogContent: z.array(TurnSchema),
  // The company's final reply, which is not among the turns.
  agentURL: z.object({ tweet_ID: z.string().regex(/^\d+$/) }).optional(),
});
export type DatasetConversation = z.infer<typeof ConversationSchema>;

export const DatasetSchema = z.array(ConversationSchema);

/**
 * A mention with the dataset conversation it came from, so a replay can follow a thread, and
 * when the company answered it, so a dry run can close the conversation when the company did.
 */
export interface ConvertedMention extends Mention {
  conversation: string;
  repliedAt?: string;
}

// Twitter's ids carry their own creation time: milliseconds since Twitter's epoch, above the low 22 bits.
const TWITTER_EPOCH_MS = 1_288_834_974_657n;
export const tweetTime = (id: string): string =>
  new Date(Number((BigInt(id) >> 22n) + TWITTER_EPOCH_MS)).toISOString();

// Twitter's API escapes exactly these three in tweet text; the normalized mention carries plain text.
const unescapeTweet = (text: string) =>
  text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * One mention per customer turn, oldest first within each conversation. The
 * company's own turns are not mentions, but a customer's turn after one
 * replies to it (`inReplyTo` is always the turn just before). The dataset has
 * no numeric user ids, so the lowercased handle stands in: X handles are
 * case-insensitive, and a follow-up must reach the same author id.
 * A tweet id seen twice keeps its first occurrence: external ids are unique.
 * A customer's turn was answered by the company's next turn, or else by the
 * final reply, whose time comes from its id (the header's `duration` is
 * malformed or days off in some conversations).
 */
export function convertConversations(conversations: DatasetConversation[]): ConvertedMention[] {
  const seen = new Set<string>();
  const mentions: ConvertedMention[] = [];
  for (const conversation of conversations) {
    const account = conversation.dialogHeader.company;
    const finalReply = conversation.agentURL && tweetTime(conversation.agentURL.tweet_ID);
    let previous: string | undefined;
    conversation.dialogContent.forEach((turn, index) => {
      const handle = turn.client ?? turn.client1;
      const inReplyTo = previous;
      previous = turn.tweet_ID;
      if (!handle || seen.has(turn.tweet_ID)) return;
      seen.add(turn.tweet_ID);
      const answer =
        conversation.dialogContent.slice(index + 1).find((later) => later.agent)?.datetime ?? finalReply;
      const mention: ConvertedMention = {
        network: 'x',
        externalId: turn.tweet_ID,
        account,
        author: { id: handle.toLowerCase(), handle },
        text: unescapeTweet(turn.message),
        url: `https://x.com/${handle}/status/${turn.tweet_ID}`,
        ...(inReplyTo ? { inReplyTo } : {}),
        kind: inReplyTo ? 'reply' : 'mention',
        createdAt: turn.datetime,
        conversation: conversation.dialogHeader.sessionID,
        ...(answer && Date.parse(answer) >= Date.parse(turn.datetime) ? { repliedAt: answer } : {}),
      };
      MentionSchema.parse(mention);
      mentions.push(mention);
    });
  }
  return mentions;
}

/** Reads the committed JSONL back; the demo and the benchmark use this. */
export function readConvertedMentions(path = DEFAULT_OUTPUT): ConvertedMention[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const parsed = JSON.parse(line) as ConvertedMention;
      return {
        ...MentionSchema.parse(parsed),
        conversation: parsed.conversation,
        ...(parsed.repliedAt ? { repliedAt: parsed.repliedAt } : {}),
      };
    });
}

/** Strips the replay-only fields, leaving exactly the normalized mention that ingest accepts. */
export function asMention({
  conversation: _conversation,
  repliedAt: _repliedAt,
  ...mention
}: ConvertedMention): Mention {
  return mention;
}

function main(): void {
  const [input = DEFAULT_INPUT, output = DEFAULT_OUTPUT] = process.argv.slice(2);
  const dataset = DatasetSchema.parse(JSON.parse(readFileSync(input, 'utf8')));
  const mentions = convertConversations(dataset);
  writeFileSync(output, `${mentions.map((m) => JSON.stringify(m)).join('\n')}\n`);
  const conversations = new Set(mentions.map((m) => m.conversation)).size;
  console.log(`${mentions.length} mentions from ${conversations} conversations written to ${output}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
