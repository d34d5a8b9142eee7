import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Mention } from '../../src/contract/mention.js';
import { findConversation } from '../../src/db/conversations.repository.js';
import { findMention } from '../../src/db/mentions.repository.js';
import { loadPolicyFile } from '../../src/routing/policy-file.js';
import { routeMention } from '../../src/routing/route-mention.js';
import { failSoft } from '../../src/routing/triage/fail-soft.js';
import { createLlmTriage, type LlmTriageSettings, type Triage } from '../../src/routing/triage/llm-triage.js';
import { OWNER_CATEGORIES } from '../../src/routing/understand/categories.js';
import { type LlmStandin, startLlmStandin } from '../standins/llm.standin.js';
import { harbourTeamFixture, JANE, storeMention } from './routing-support.js';

const API_KEY = 'sk-test-9f8e7d6c5b4a39281706';
const MODEL = 'triage-test-model';
const START = new Date('2025-05-06T10:00:00Z');

/** A customer whose handle, name, id and link must never reach the model. */
const mention = (text: string, network: Mention['network'] = 'mastodon'): Mention => ({
  network,
  externalId: '109348812345',
  account: 'harbourbikes',
  author: { id: 'author-99317', handle: 'janedoe_cycles', name: 'Jane Doe-Whitfield', followers: 812 },
  text,
  url: 'https://standin.social/@janedoe_cycles/109348812345',
  kind: 'mention',
  createdAt: '2025-05-06T09:59:00Z',
});

/** A logger whose every line is kept, to read what an operator would see. */
function keptLogs() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, lines, all: () => lines.join('') };
}

describe('the optional model triage against an OpenAI-compatible stand-in', () => {
  let standin: LlmStandin;
  let clock: Date;
  let logs: ReturnType<typeof keptLogs>;
  const now = () => clock;
  const triageWith = (settings: Partial<LlmTriageSettings> = {}): Triage =>
    createLlmTriage(
      { url: standin.baseUrl, model: MODEL, apiKey: API_KEY, ...settings },
      { logger: logs.logger, now },
    );

  beforeEach(async () => {
    standin = await startLlmStandin({ apiKey: API_KEY });
    clock = START;
    logs = keptLogs();
  });
  afterEach(async () => {
    await standin.close();
  });

  it('reads an owner-lane verdict with the words that show it, and names the model as its source', async () => {
    const verdict = await triageWith()(mention('The brakes you fitted failed. My lawyer will be in touch.'));
    expect(verdict).toEqual({
      owner: { category: 'legal', evidence: 'My lawyer' },
      spam: null,
      source: MODEL,
    });

    const [request] = standin.requests;
    expect(request!.path).toBe('/v1/chat/completions');
    expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = JSON.parse(request!.raw);
    expect(body).toMatchObject({ model: MODEL, temperature: 0, response_format: { type: 'json_object' } });
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    for (const category of OWNER_CATEGORIES) expect(body.messages[0].content).toContain(`- ${category}: `);
  });

  it('reads a spam verdict', async () => {
    const verdict = await triageWith()(mention('Huge crypto giveaway, claim yours now', 'x'));
    expect(verdict).toEqual({ owner: null, spam: { kind: 'crypto', evidence: 'crypto' }, source: MODEL });
  });

  it("sends the post's text and network and nothing about its author", async () => {
    await triageWith()(mention('Can I book a service for Saturday?'));
    const [request] = standin.requests;
    expect(request!.post).toEqual({ network: 'Mastodon', post: 'Can I book a service for Saturday?' });
    for (const secret of [
      'janedoe_cycles',
      'Jane Doe',
      'author-99317',
      '109348812345',
      'standin.social',
      '812',
    ])
      expect(request!.raw).not.toContain(secret);
  });

  it('drops a verdict whose evidence is not words of the post, and keeps one that quotes it', async () => {
    standin.next({
      answer: {
        owner: { category: 'legal', evidence: 'I will take you to court' },
        spam: { kind: 'prize', evidence: '“FREE bike.”' },
      },
    });
    const verdict = await triageWith()(mention('Is the free bike raffle still on? Love the shop'));
    expect(verdict).toEqual({ owner: null, spam: { kind: 'prize', evidence: 'FREE bike' }, source: MODEL });
    expect(logs.all()).toContain('owner:legal');
  });

  it('gives up after the timeout and leaves the built-in reading to stand', async () => {
    standin.next({ delayMs: 3000 });
    const started = Date.now();
    expect(await triageWith({ timeoutMs: 200 })(mention('Where is my order?'))).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(logs.all()).toContain('"reason":"timeout"');
  });

  it('answers undefined for anything but the JSON asked for, and for refusals', async () => {
    const triage = triageWith();
    standin.next({ content: 'Sure! This post is about a lawyer.' });
    expect(await triage(mention('one'))).toBeUndefined();
    standin.next({ answer: { owner: { category: 'weather', evidence: 'one' }, spam: null } });
    expect(await triage(mention('two'))).toBeUndefined();
    standin.next({ status: 500 });
    expect(await triage(mention('three'))).toBeUndefined();
    standin.next({ status: 429 });
    expect(await triage(mention('four'))).toBeUndefined();
    expect(standin.calls).toBe(4);
    const reasons = logs.lines.map((line) => JSON.parse(line)).filter((l) => l.reason);
    expect(reasons.map((l) => [l.reason, l.status])).toEqual([
      ['malformed', undefined],
      ['malformed', undefined],
      ['refused', 500],
      ['refused', 429],
    ]);
  });

  it('asks once per text: a repeat, even at the same moment, makes no second call', async () => {
    const triage = triageWith();
    const text = 'Crypto giveaway!! DM me';
    const [first, second] = await Promise.all([triage(mention(text)), triage(mention(text))]);
    expect(await triage(mention(text))).toEqual(first);
    expect(second).toEqual(first);
    expect(standin.calls).toBe(1);
  });

  it('does not remember a failure: the same text is asked again', async () => {
    const triage = triageWith();
    standin.next({ status: 500 });
    expect(await triage(mention('Talk to my lawyer'))).toBeUndefined();
    expect(await triage(mention('Talk to my lawyer'))).toMatchObject({ owner: { category: 'legal' } });
    expect(standin.calls).toBe(2);
  });

  it('stops at the daily budget, says so once, and starts again the next UTC day', async () => {
    const triage = triageWith({ dailyBudget: 2 });
    await triage(mention('first'));
    await triage(mention('second'));
    expect(await triage(mention('third'))).toBeUndefined();
    expect(await triage(mention('fourth'))).toBeUndefined();
    expect(standin.calls).toBe(2);
    // What it already knows costs nothing.
    expect(await triage(mention('first'))).toEqual({ owner: null, spam: null, source: MODEL });
    expect(logs.lines.filter((line) => line.includes('daily budget'))).toHaveLength(1);

    clock = new Date('2025-05-07T00:00:01Z');
    await triage(mention('third'));
    expect(standin.calls).toBe(3);
  });

  it('pauses after five failures in a row, then lets one trial call through a minute later', async () => {
    const triage = triageWith();
    standin.always({ status: 500 });
    for (let i = 1; i <= 5; i++) await triage(mention(`question ${i}`));
    expect(standin.calls).toBe(5);
    expect(await triage(mention('question 6'))).toBeUndefined();
    expect(standin.calls).toBe(5);
    expect(logs.lines.filter((line) => line.includes('paused'))).toHaveLength(1);

    clock = new Date(START.getTime() + 59_000);
    await triage(mention('question 7'));
    expect(standin.calls).toBe(5);

    // The trial fails: another minute's pause.
    clock = new Date(START.getTime() + 61_000);
    await triage(mention('question 8'));
    expect(standin.calls).toBe(6);
    await triage(mention('question 9'));
    expect(standin.calls).toBe(6);

    // The model is back: one trial while others wait, and then everyone is asked again.
    standin.always(undefined);
    standin.next({ delayMs: 100 });
    clock = new Date(START.getTime() + 122_000);
    const [trial, meanwhile] = await Promise.all([
      triage(mention('My lawyer says hello')),
      triage(mention('question 10')),
    ]);
    expect(trial).toMatchObject({ owner: { category: 'legal' } });
    expect(meanwhile).toBeUndefined();
    expect(standin.calls).toBe(7);
    expect(await triage(mention('question 11'))).toEqual({ owner: null, spam: null, source: MODEL });
    expect(standin.calls).toBe(8);
    expect(logs.all()).toContain('model triage answers again');
  });

  it('never logs the key or the post, whatever goes wrong', async () => {
    const text = 'My lawyer and a journalist are reading this thread';
    const triage = triageWith({ timeoutMs: 200 });
    standin.next({ status: 500 });
    await triage(mention(`${text} 1`));
    standin.next({ delayMs: 1000 });
    await triage(mention(`${text} 2`));
    standin.next({ content: `{"owner": "${text}"` });
    await triage(mention(`${text} 3`));
    standin.next({
      answer: { owner: { category: 'press', evidence: 'a journalist from the Times' }, spam: null },
    });
    await triage(mention(`${text} 4`));
    // A wrong key is refused, and still not written down.
    await triageWith({ apiKey: `${API_KEY}-old` })(mention(`${text} 5`));
    // Nothing listening at all.
    const closed = standin.url;
    await standin.close();
    await createLlmTriage(
      { url: closed, model: MODEL, apiKey: API_KEY },
      { logger: logs.logger, now },
    )(mention(`${text} 6`));
    standin = await startLlmStandin({ apiKey: API_KEY });

    expect(logs.lines.length).toBeGreaterThanOrEqual(6);
    expect(logs.all()).toContain('"status":401');
    expect(logs.all()).toContain('"reason":"unreachable"');
    expect(logs.all()).not.toContain(API_KEY);
    expect(logs.all()).not.toContain('lawyer');
    expect(logs.all()).not.toContain('journalist');
  });

  it("takes Azure's deployment URL as it is and sends the key as api-key too", async () => {
    const url = `${standin.url}/openai/deployments/triage/chat/completions?api-version=2024-10-21`;
    await triageWith({ url })(mention('Is the shop open on Sunday?'));
    const [request] = standin.requests;
    expect(request!.path).toBe('/openai/deployments/triage/chat/completions?api-version=2024-10-21');
    expect(request!.headers['api-key']).toBe(API_KEY);
  });

  it('sends no key to a local server that needs none', async () => {
    const local = await startLlmStandin();
    try {
      const verdict = await createLlmTriage(
        { url: local.baseUrl, model: 'llama3.1', apiKey: undefined },
        { logger: logs.logger, now },
      )(mention('A reporter from the Gazette would like a word'));
      expect(verdict).toMatchObject({
        owner: { category: 'press', evidence: 'reporter' },
        source: 'llama3.1',
      });
      expect(local.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await local.close();
    }
  });

  it('asks nothing about a post without text', async () => {
    expect(await triageWith()(mention('   '))).toBeUndefined();
    expect(standin.calls).toBe(0);
  });
});

describe('routing with the model triage switched on, on PostgreSQL', () => {
  const f = harbourTeamFixture('postgres');
  const policy = loadPolicyFile('examples/policy.yaml');
  const NOW = new Date('2025-05-06T10:00:00Z');
  const logger = pino({ level: 'silent' });
  const BILLING = 'Hi, I think I was charged twice for my last service, can you check?';

  const route = (mentionId: string, triage: Triage) =>
    routeMention({ db: f.database.db, now: () => NOW, policy, triage }, mentionId);
  const assigneeOf = async (mentionId: string) => {
    const stored = await findMention(f.database.db, mentionId);
    return (await findConversation(f.database.db, stored!.conversationId!))?.assigneeId;
  };

  it('asks the triage once, with the stored mention', async () => {
    const m = await storeMention(f.database.db, BILLING, { handle: 'chargedtwice' });
    const triage = vi.fn<Triage>(async () => undefined);
    expect(await route(m.id, triage)).toBe('assigned');
    expect(triage).toHaveBeenCalledTimes(1);
    expect(triage).toHaveBeenCalledWith(
      expect.objectContaining({
        network: 'x',
        externalId: m.externalId,
        text: BILLING,
        author: expect.objectContaining({ handle: 'chargedtwice' }),
      }),
    );
    // A retry of a routed mention does not ask again.
    expect(await route(m.id, triage)).toBe('already_routed');
    expect(triage).toHaveBeenCalledTimes(1);
  });

  it('routes as usual when the triage throws', async () => {
    const m = await storeMention(f.database.db, BILLING);
    const broken = failSoft(async () => {
      throw new Error('the model exploded');
    }, logger);
    expect(await route(m.id, broken)).toBe('assigned');
    expect(await assigneeOf(m.id)).toBe(JANE);
  });

  it('routes as usual when the model does not answer in time', async () => {
    const standin = await startLlmStandin({ apiKey: API_KEY });
    try {
      standin.always({ delayMs: 3000 });
      const triage = createLlmTriage(
        { url: standin.baseUrl, model: MODEL, apiKey: API_KEY, timeoutMs: 300 },
        { logger, now: () => NOW },
      );
      const m = await storeMention(f.database.db, BILLING);
      expect(await route(m.id, triage)).toBe('assigned');
      expect(await assigneeOf(m.id)).toBe(JANE);
      expect(standin.calls).toBe(1);
    } finally {
      await standin.close();
    }
  });
});
