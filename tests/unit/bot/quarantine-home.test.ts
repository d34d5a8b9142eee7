import { describe, expect, it } from 'vitest';
import { type HomeData, homeView } from '../../../src/bot/home-view.js';
import { blockKitProblems } from '../../standins/slack.standin.js';

const NOW = new Date('2026-12-07T10:00:00Z');
const me = { id: 'U0OWNER', name: 'Olga', role: 'owner', awayUntil: null, open: 0, capacity: 10 };
const home = (over: Partial<HomeData> = {}): HomeData =>
  ({ me, now: NOW, mine: [], waiting: [], team: [me], escalations: [], ...over }) as HomeData;

describe('quarantined items in the owner’s App Home', () => {
  it('shows how many were kept out lately and why the latest were, escaped', () => {
    const view = homeView(
      home({
        quarantined: {
          days: 7,
          count: 4,
          latest: [{ source: 'poll:x', reason: 'author.handle: <!channel> too short', at: NOW }],
        },
      }),
    );
    const body = JSON.stringify(view.blocks);
    expect(body).toContain('Quarantined items');
    expect(body).toContain('4 items could not be stored in the last 7 days');
    expect(body).toContain('`poll:x`: author.handle: &lt;!channel&gt; too short');
    expect(blockKitProblems(view.blocks, 100)).toEqual([]);
  });

  it('says nothing of quarantine when nothing was kept out', () => {
    expect(JSON.stringify(homeView(home()).blocks)).not.toContain('Quarantined');
  });
});
