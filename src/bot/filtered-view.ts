import type { KnownBlock } from '@slack/types';
import { ACTION } from './action-ids.js';
import { LIMITS, networkName } from './blocks.js';
import { slackDate } from './clock.js';
import { escapeMrkdwn, fitQuoted, nameText, truncate } from './mrkdwn.js';

/** Pure builders for what the spam filter dropped: App Home's list and the channel's daily count. */

/** How far back App Home's list of filtered mentions looks. */
export const FILTERED_DAYS = 7;

export interface FilteredMention {
  /** The conversation the filter opened closed for it: what *Not spam* takes back. */
  conversationId: string;
  network: string;
  handle: string;
  text: string;
  /** Why the router dropped it, as its decision said. */
  reasons: string[];
  at: Date;
}

export interface FilteredOverview {
  /** The latest mentions still filtered, newest first. */
  latest: FilteredMention[];
  lastDay: number;
  lastWeek: number;
}

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(text, max) });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function filteredItem(m: FilteredMention): KnownBlock {
  const head = `*${networkName(m.network)}* · @${nameText(m.handle, 80)} · ${slackDate(m.at)}`;
  // Cut before escaping, small enough that the escaped whole (at most five times as long) still fits.
  const why =
    m.reasons.length > 0 ? escapeMrkdwn(truncate(m.reasons.join(' · '), 300)) : 'no reason recorded';
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: truncate(`${head}\n${fitQuoted(m.text || '(no text)', 600).text}\nWhy: ${why}`, LIMITS.text),
    },
    accessory: {
      type: 'button',
      action_id: ACTION.notSpam,
      value: m.conversationId,
      text: plain('Not spam', LIMITS.buttonText),
      confirm: {
        title: plain('Not spam?', 100),
        text: plain(
          `The mention goes to the team like any other, and @${nameText(m.handle, 60)}'s mentions are no longer filtered as spam.`,
          300,
        ),
        confirm: plain('Not spam', 30),
        deny: plain('Cancel', 30),
      },
    },
  };
}

/** App Home's "Filtered as spam": the counts, then the latest with a *Not spam* button each. */
export function filteredSection(data: FilteredOverview, maxBlocks = 14): KnownBlock[] {
  const counts =
    data.lastWeek === 0
      ? `Nothing was filtered in the last ${FILTERED_DAYS} days.`
      : `${data.lastDay} in the last 24 hours · ${data.lastWeek} in the last ${FILTERED_DAYS} days. A real customer among them? *Not spam* sends the mention to the team and stops filtering that author.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain('Filtered as spam', 150) },
    { type: 'context', elements: [{ type: 'mrkdwn', text: counts }] },
  ];
  const shown = data.latest.slice(0, Math.max(0, maxBlocks - 3));
  blocks.push(...shown.map(filteredItem));
  const more = data.lastWeek - shown.length;
  if (more > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${more} more in the last ${FILTERED_DAYS} days.` }],
    });
  }
  return blocks;
}

/** The channel's daily line about what the filter dropped. */
export function dailySpamCountMessage(summary: {
  count: number;
  topReasons: { reason: string; count: number }[];
}): { text: string; blocks: KnownBlock[] } {
  const reasons = summary.topReasons
    .map((r) => `${escapeMrkdwn(truncate(r.reason, 100))} ×${r.count}`)
    .join(', ');
  const text = truncate(
    `:no_entry_sign: ${plural(summary.count, 'mention')} filtered as spam in the last 24 hours${reasons ? ` (top reasons: ${reasons})` : ''}. See Firsthand's Home tab → *Filtered as spam* to bring one back.`,
    LIMITS.text,
  );
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
