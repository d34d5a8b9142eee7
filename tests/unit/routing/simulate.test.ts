import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMentionsFile } from '../../../scripts/lib/mentions-file.js';
import { Simulator } from '../../../src/routing/simulator.js';
import { examplePolicy, harbourTeam, JANE, mention, OWNER, SAM } from './fixtures.js';

const T0 = new Date('2025-05-06T10:00:00Z');
const later = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const from = (handle: string, text: string, at: Date) =>
  mention(text, {
    externalId: `${handle}-${at.toISOString()}`,
    author: { id: `x-${handle}`, handle },
    createdAt: at.toISOString(),
  });
/** Sam alone (one conversation at a time) and the owner. */
const samAlone = () =>
  harbourTeam()
    .filter((p) => p.id === SAM || p.id === OWNER)
    .map((p) => ({ ...p, capacity: 1 }));

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
    // Sam answered her within the handling time, so he is the one who talked to her.
    expect(second.reasons[0]).toBe('talked to @janedoe 2 days ago on X');
  });

  it('a follow-up joins the open conversation, and a legal threat in it goes to the owner', () => {
    const sim = new Simulator(harbourTeam(), examplePolicy);
    const at = new Date('2025-05-06T10:00:00Z');
    const first = sim.route(mention('Do you stock inner tubes?', { externalId: 'a' }), at);
    const followUp = sim.route(mention('Still nothing? I will talk to my lawyer.', { externalId: 'b' }), at);
    expect(first.action).toBe('assign');
    expect(followUp).toMatchObject({ action: 'escalate', assignee: 'U0OWNER01' });
    expect(followUp.reasons).toEqual([
      expect.stringMatching(/^legal action or a formal complaint: "my lawyer" \(words; model [01]\.\d\d\)$/),
    ]);
  });

  it('closes a conversation after the handling time, and the queue gets the room it frees, oldest first', () => {
    const sim = new Simulator(samAlone(), examplePolicy, { handleMinutes: 60 });
    const first = sim.route(from('ana', 'Do you stock inner tubes?', T0), T0);
    const second = sim.route(from('ben', 'Do you sell bells?', later(10)), later(10));
    const third = sim.route(from('cat', 'Are you open on Sunday?', later(30)), later(30));
    expect([first.action, second.action, third.action]).toEqual(['assign', 'queue', 'queue']);

    sim.route(from('dan', 'Do you sell lights?', later(150)), later(150));
    // Ana's conversation closed at 60 and Ben's took the room; Ben's closed at 120 and Cat's took it.
    expect(sim.pickups.map((p) => [p.externalId, p.assignee, p.waitedMinutes])).toEqual([
      [second.externalId, SAM, 50],
      [third.externalId, SAM, 90],
    ]);
    expect(sim.pickups[0]?.reasons.at(-1)).toBe('waited 50 min in the queue');
    expect(sim.stillWaiting().map((w) => w.externalId)).toEqual([from('dan', '', later(150)).externalId]);
    expect(sim.summary()).toContain(
      'Queue: 3 conversations waited for someone; 2 taken later (median wait 70 min',
    );
    expect(sim.summary()).toContain('Sam Okafor (U0SAM0001): 3 taken; 1 of 1 open');
  });

  it('closes a conversation when the history answered it, whatever the handling time', () => {
    const sim = new Simulator(samAlone(), examplePolicy, { handleMinutes: 600 });
    sim.route(from('ana', 'Do you stock inner tubes?', T0), T0, later(5));
    const next = sim.route(from('ben', 'Do you sell bells?', later(10)), later(10));
    expect(next).toMatchObject({ action: 'assign', assignee: SAM });
  });

  it('a follow-up keeps the conversation open until it is answered too', () => {
    const sim = new Simulator(samAlone(), examplePolicy, { handleMinutes: 60 });
    sim.route(from('ana', 'Do you stock inner tubes?', T0), T0);
    const followUp = sim.route(from('ana', 'Size 700x28 please', later(50)), later(50));
    expect(followUp.reasons[0]).toBe("follow-up in @ana's open conversation");
    expect(sim.route(from('ben', 'Do you sell bells?', later(100)), later(100)).action).toBe('queue');
    expect(sim.route(from('cat', 'Do you sell lights?', later(111)), later(111)).action).toBe('queue');
    expect(sim.pickups.map((p) => p.waitedMinutes)).toEqual([10]);
  });

  it('after the answer, the customer comes back to the person who answered them', () => {
    const team = harbourTeam().filter((p) => [OWNER, SAM, JANE].includes(p.id));
    const sim = new Simulator(team, examplePolicy, { handleMinutes: 60 });
    expect(sim.route(from('ana', 'Can you look at my gears?', T0), T0).assignee).toBe(SAM);
    const back = sim.route(from('ana', 'Do you sell bells too?', later(180)), later(180));
    expect(back).toMatchObject({ action: 'assign', assignee: SAM });
    expect(back.reasons[0]).toBe('talked to @ana 2 hours ago on X');
  });

  it('a mention that arrives after hours is taken when the shift starts', () => {
    const hours = { tue: [[540, 1020]] as [number, number][], wed: [[540, 1020]] as [number, number][] };
    const team = samAlone().map((p) => ({ ...p, workingHours: hours }));
    const sim = new Simulator(team, examplePolicy, { handleMinutes: 60, sweepMinutes: 5 });
    // 21:00 in Lisbon on Tuesday; Sam starts at 09:00 on Wednesday (08:00 UTC).
    const late = new Date('2025-05-06T20:00:00Z');
    expect(sim.route(from('ana', 'Do you stock inner tubes?', late), late).action).toBe('queue');
    const noon = new Date('2025-05-07T11:00:00Z');
    sim.route(from('ben', 'Do you sell bells?', noon), noon);
    expect(sim.pickups).toMatchObject([{ assignee: SAM, waitedMinutes: 12 * 60 }]);
  });

  it("reads the history's reply time beside each mention, in time order, and names the lines it cannot read", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simulate-'));
    const file = path.join(dir, 'mentions.jsonl');
    const second = { ...from('ana', 'Later', later(30)), repliedAt: later(90).toISOString() };
    const first = from('ben', 'Earlier', T0);
    const unreadable = { ...from('cat', 'Bad', T0), repliedAt: 'tomorrow' };
    writeFileSync(file, [second, first, unreadable].map((m) => JSON.stringify(m)).join('\n'));
    const { inputs, problems } = readMentionsFile(file);
    expect(inputs.map((i) => i.mention.text)).toEqual(['Earlier', 'Later']);
    expect(inputs[1]?.repliedAt).toEqual(later(90));
    expect(inputs[1]?.mention).not.toHaveProperty('repliedAt');
    expect(problems).toEqual([expect.stringMatching(/mentions\.jsonl:3: repliedAt: /)]);
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
