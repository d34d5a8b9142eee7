import { describe, expect, it } from 'vitest';
import { ACTION } from '../../../src/bot/action-ids.js';
import {
  dailySpamCountMessage,
  type FilteredMention,
  filteredSection,
} from '../../../src/bot/filtered-view.js';
import { blockKitProblems } from '../../standins/slack.standin.js';

const ID = '0b6f7a0e-3a5c-4c1e-9d7e-1f2a3b4c5d6e';
const NOW = new Date('2025-06-02T10:00:00Z');

const filtered = (over: Partial<FilteredMention> = {}): FilteredMention => ({
  conversationId: ID,
  network: 'x',
  handle: 'deals8473625',
  text: 'Crypto giveaway!! Click here',
  reasons: ['likely spam (100%: 3 links, no followers)'],
  at: NOW,
  ...over,
});

describe('what the spam filter dropped, in App Home', () => {
  it('shows each with its network, author, text, reason and time, and a Not spam button', () => {
    const blocks = filteredSection({ latest: [filtered()], lastDay: 1, lastWeek: 3 });
    const body = JSON.stringify(blocks);
    expect(body).toContain('Filtered as spam');
    expect(body).toContain('1 in the last 24 hours · 3 in the last 7 days');
    expect(body).toContain('*X* · @deals8473625');
    expect(body).toContain('> Crypto giveaway!! Click here');
    expect(body).toContain('Why: likely spam (100%: 3 links, no followers)');
    expect(body).toContain('<!date^');
    expect(body).toContain('…and 2 more in the last 7 days.');
    const item = blocks.find((b) => b.type === 'section') as { accessory?: Record<string, unknown> };
    expect(item.accessory).toMatchObject({ type: 'button', action_id: ACTION.notSpam, value: ID });
    expect(item.accessory?.confirm).toBeDefined();
    expect(blockKitProblems(blocks, 100)).toEqual([]);
  });

  it("escapes the customer's text, handle and the reason so none can ping or forge a link", () => {
    const body = JSON.stringify(
      filteredSection({
        latest: [
          filtered({
            handle: '<!here>',
            text: '<!channel> & <https://evil.example|win>',
            reasons: ['rule <b> & co'],
          }),
        ],
        lastDay: 1,
        lastWeek: 1,
      }),
    );
    expect(body).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|win&gt;');
    expect(body).toContain('@&lt;!here&gt;');
    expect(body).toContain('rule &lt;b&gt; &amp; co');
    expect(body).not.toContain('<!channel>');
  });

  it('says when nothing was filtered', () => {
    const blocks = filteredSection({ latest: [], lastDay: 0, lastWeek: 0 });
    expect(JSON.stringify(blocks)).toContain('Nothing was filtered in the last 7 days.');
    expect(blocks.some((b) => b.type === 'section')).toBe(false);
  });

  it('stays within its share of the Home tab however much was filtered', () => {
    const many = Array.from({ length: 30 }, () => filtered({ text: '<&>'.repeat(4000) }));
    const blocks = filteredSection({ latest: many, lastDay: 30, lastWeek: 500 });
    expect(blocks.length).toBeLessThanOrEqual(14);
    expect(blockKitProblems(blocks, 100)).toEqual([]);
  });
});

describe("the channel's daily count", () => {
  it('gives the number, the top reasons and where to bring one back', () => {
    const { text, blocks } = dailySpamCountMessage({
      count: 5,
      topReasons: [
        { reason: 'likely spam', count: 4 },
        { reason: 'our own <account>', count: 1 },
      ],
    });
    expect(text).toBe(
      ":no_entry_sign: 5 mentions filtered as spam in the last 24 hours (top reasons: likely spam ×4, our own &lt;account&gt; ×1). See Firsthand's Home tab → *Filtered as spam* to bring one back.",
    );
    expect(blockKitProblems(blocks, 50)).toEqual([]);
    expect(dailySpamCountMessage({ count: 1, topReasons: [] }).text).toContain(
      '1 mention filtered as spam in the last 24 hours. See',
    );
  });
});
