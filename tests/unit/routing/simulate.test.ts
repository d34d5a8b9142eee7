import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../../../src/routing/simulator.js';
import { examplePolicy, harbourTeam, mention, SAM } from './fixtures.js';

describe('the dry run', () => {
  it('keeps load and relationships as it goes: Jane on Bluesky goes to whoever had her on X', () => {
    const sim = new Simulator(harbourTeam(), examplePolicy);
    const onX = mention('Can you look at my gears this week?', {
      author: { id: 'x-jane', handle: 'janedoe' },
    });
    const first = sim.route(onX, new Date('2025-05-04T09:00:00Z'));
    expect(first.assignee).toBe(SAM);
    const onBluesky = mention('Is the invoice for the wheel ready?', {
      network: 'bluesky',
      externalId: 'at://jane/1',
      author: { id: 'did:plc:jane', handle: 'janedoe.bsky.social' },
    });
    const second = sim.route(onBluesky, new Date('2025-05-06T10:00:00Z'));
    expect(second).toMatchObject({ action: 'assign', assignee: SAM });
    expect(second.reasons[0]).toBe("had @janedoe's conversation on X 2 days ago");
  });

  it('a follow-up joins the open conversation, and a legal threat in it goes to the owner', () => {
    const sim = new Simulator(harbourTeam(), examplePolicy);
    const at = new Date('2025-05-06T10:00:00Z');
    const first = sim.route(mention('Do you stock inner tubes?', { externalId: 'a' }), at);
    const followUp = sim.route(mention('Still nothing? I will talk to my lawyer.', { externalId: 'b' }), at);
    expect(first.action).toBe('assign');
    expect(followUp).toMatchObject({ action: 'escalate', assignee: 'U0OWNER01' });
    expect(followUp.reasons).toEqual(['legal threat ("lawyer")']);
  });

  it('npm run simulate prints one decision a line and the summary on stderr', () => {
    const out = execFileSync(
      'npx',
      [
        'tsx',
        'scripts/simulate.ts',
        '--team',
        'examples/team.yaml',
        '--policy',
        'examples/policy.yaml',
        '--input',
        'examples/mentions.jsonl',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(13);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual([
        'externalId',
        'network',
        'action',
        'assignee',
        'priority',
        'reasons',
      ]);
    }
    expect(lines.find((l) => l.externalId === 'ig-90001')).toMatchObject({ action: 'drop', assignee: null });
  }, 60_000);
});
