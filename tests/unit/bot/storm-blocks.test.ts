import { describe, expect, it } from 'vitest';
import { clusterMessage, storyGivenMessage } from '../../../src/bot/storm-blocks.js';
import type { ClusterView } from '../../../src/db/cluster-view.repository.js';

const view = (text: string): ClusterView => ({
  id: 7,
  stormId: 1,
  status: 'open',
  assigneeId: null,
  count: 12,
  networks: [{ network: 'x', count: 12 }],
  sentiments: [{ sentiment: 'negative', count: 12 }],
  posts: [{ mentionId: 'm1', network: 'x', handle: 'rider<!here>', text, url: null, said: 3 }],
  influential: [],
  replied: 0,
  forOwner: [{ why: 'a legal <threat>', count: 2 }],
});

describe('a story’s message', () => {
  it('escapes the customers’ words in every field, the fallback text too', () => {
    const message = clusterMessage(view('<!channel> your app is *down* & <https://evil.example|login here>'));
    expect(message.text).toBe(
      '12 mentions tell one story: &lt;!channel&gt; your app is *down* &amp; &lt;https://evil.example|login here&gt;',
    );
    const blocks = JSON.stringify(message.blocks);
    expect(blocks).not.toContain('<!channel>');
    expect(blocks).not.toContain('<!here>');
    expect(blocks).not.toContain('<https://evil.example');
    expect(blocks).toContain('a legal &lt;threat&gt; (2)');
  });
});

describe('the DM to the person a story was given to', () => {
  it('names who gave it, quotes the story escaped, counts it, and links to it', () => {
    const message = storyGivenMessage({
      view: { ...view('<!channel> charged *twice* & <https://evil.example|refund here>'), replied: 4 },
      by: 'U0OWNER01',
      link: 'https://harbour.slack.com/archives/C0TEAM/p1700000000000100',
    });
    expect(message.text).toContain(
      '<@U0OWNER01> gave you a story of the storm: 12 mentions tell it, 4 answered so far.',
    );
    expect(message.text).toContain(
      '> &lt;!channel&gt; charged *twice* &amp; &lt;https://evil.example|refund here&gt;',
    );
    expect(message.text).toContain(
      '<https://harbour.slack.com/archives/C0TEAM/p1700000000000100|The story in Slack>',
    );
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(JSON.stringify(message)).not.toContain('<https://evil.example');
  });
});
