import { describe, expect, it } from 'vitest';
import { CircuitBreaker, DailyBudget, LruCache } from '../../../src/routing/triage/call-guards.js';
import { completionsEndpoint, requestHeaders } from '../../../src/routing/triage/llm-triage.js';
import { isQuoteOf, readAnswer, userMessage } from '../../../src/routing/triage/triage-prompt.js';

const at = (iso: string) => new Date(iso);

describe('where the model triage sends its request', () => {
  it('appends /chat/completions to a base URL, as OpenAI clients do', () => {
    expect(completionsEndpoint('https://api.openai.com/v1')).toBe(
      'https://api.openai.com/v1/chat/completions',
    );
    expect(completionsEndpoint('http://127.0.0.1:11434/v1/')).toBe(
      'http://127.0.0.1:11434/v1/chat/completions',
    );
    expect(completionsEndpoint('http://vllm.internal:8000')).toBe(
      'http://vllm.internal:8000/chat/completions',
    );
  });

  it("keeps a full chat completions URL, Azure's api-version included", () => {
    const azure =
      'https://harbour.openai.azure.com/openai/deployments/triage/chat/completions?api-version=2024-10-21';
    expect(completionsEndpoint(azure)).toBe(azure);
  });

  it('sends the key as a bearer token, and as api-key to Azure', () => {
    expect(requestHeaders('https://api.openai.com/v1/chat/completions', 'sk-1')).toMatchObject({
      authorization: 'Bearer sk-1',
    });
    expect(requestHeaders('https://api.openai.com/v1/chat/completions', 'sk-1')['api-key']).toBeUndefined();
    expect(
      requestHeaders('https://harbour.openai.azure.com/openai/v1/chat/completions', 'az-1')['api-key'],
    ).toBe('az-1');
    expect(
      requestHeaders('http://127.0.0.1:11434/v1/chat/completions', undefined).authorization,
    ).toBeUndefined();
  });
});

describe('what the model is told', () => {
  it("is the post's text and the network's name, nothing about the author", () => {
    const message = userMessage({ network: 'generic', text: 'Lovely shop' });
    expect(JSON.parse(message)).toEqual({ network: 'the web', post: 'Lovely shop' });
  });

  it('cuts a very long post', () => {
    const { post } = JSON.parse(userMessage({ network: 'x', text: 'a'.repeat(20_000) }));
    expect(post.length).toBe(8000);
  });
});

describe("reading the model's answer", () => {
  const text = 'I’m going to report you to Trading Standards. My solicitor has the receipts!';

  it('keeps a verdict that quotes the post, whatever the case, quotation marks and apostrophes', () => {
    const read = readAnswer(
      JSON.stringify({
        owner: { category: 'legal', evidence: '"my SOLICITOR has the receipts!"' },
        spam: null,
      }),
      text,
    );
    expect(read).toEqual({
      ok: true,
      verdict: { owner: { category: 'legal', evidence: 'my SOLICITOR has the receipts' }, spam: null },
      unquoted: [],
    });
    expect(isQuoteOf("I'm going to report you", text)).toBe(true);
  });

  it('drops a verdict that quotes words the post does not have', () => {
    const read = readAnswer(
      JSON.stringify({
        owner: { category: 'legal', evidence: 'I will sue' },
        spam: { kind: 'other', evidence: '' },
      }),
      text,
    );
    expect(read).toEqual({
      ok: true,
      verdict: { owner: null, spam: null },
      unquoted: ['owner:legal', 'spam:other'],
    });
  });

  it('matches on word boundaries: "sue" is not in "issue"', () => {
    expect(isQuoteOf('sue', 'There is an issue with my order')).toBe(false);
  });

  it('drops evidence that is a copy of a long post rather than a quote of the words that show it', () => {
    const long = `My lawyer ${'will hear about this '.repeat(20)}`;
    const read = readAnswer(
      JSON.stringify({ owner: { category: 'legal', evidence: long }, spam: null }),
      long,
    );
    expect(read).toMatchObject({ ok: true, verdict: { owner: null } });
  });

  it('reads a missing key as null and JSON in a Markdown fence as JSON', () => {
    const read = readAnswer(
      '```json\n{"spam": {"kind": "crypto", "evidence": "bitcoin"}}\n```',
      'Free bitcoin!',
    );
    expect(read).toMatchObject({
      ok: true,
      verdict: { owner: null, spam: { kind: 'crypto', evidence: 'bitcoin' } },
    });
  });

  it('refuses prose, an unknown category, and an empty answer, without repeating them', () => {
    expect(readAnswer('The post mentions a lawyer.', text)).toEqual({ ok: false, problem: 'not JSON' });
    expect(readAnswer('{"owner": {"category": "weather", "evidence": "Trading Standards"}}', text)).toEqual({
      ok: false,
      problem: 'unexpected owner.category',
    });
    expect(readAnswer(null, text)).toEqual({ ok: false, problem: 'no content' });
  });
});

describe('the guards around the model', () => {
  it('the cache forgets what was used longest ago', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('the budget counts calls per UTC day and says it ran out once a day', () => {
    const budget = new DailyBudget(1);
    const late = at('2025-05-06T23:59:00Z');
    expect(budget.left(late)).toBe(true);
    budget.spend(late);
    expect(budget.left(late)).toBe(false);
    expect(budget.firstRefusalToday(late)).toBe(true);
    expect(budget.firstRefusalToday(late)).toBe(false);
    const next = at('2025-05-07T00:00:00Z');
    expect(budget.left(next)).toBe(true);
    budget.spend(next);
    expect(budget.firstRefusalToday(next)).toBe(true);
  });

  it('the breaker opens after five failures in a row, and a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(5, 60_000);
    const t0 = at('2025-05-06T10:00:00Z');
    for (let i = 0; i < 4; i++) expect(breaker.failed(t0)).toBe(false);
    breaker.succeeded();
    for (let i = 0; i < 4; i++) breaker.failed(t0);
    expect(breaker.allows(t0)).toBe(true);
    expect(breaker.failed(t0)).toBe(true);
    expect(breaker.allows(at('2025-05-06T10:00:59Z'))).toBe(false);
  });

  it('after the pause, one trial call: its success closes the breaker, its failure opens it again', () => {
    const breaker = new CircuitBreaker(1, 60_000);
    breaker.failed(at('2025-05-06T10:00:00Z'));
    const later = at('2025-05-06T10:01:00Z');
    expect(breaker.allows(later)).toBe(true);
    expect(breaker.allows(later)).toBe(false);
    expect(breaker.failed(later)).toBe(true);
    expect(breaker.allows(at('2025-05-06T10:01:30Z'))).toBe(false);
    const again = at('2025-05-06T10:02:00Z');
    expect(breaker.allows(again)).toBe(true);
    expect(breaker.succeeded()).toBe(true);
    expect(breaker.allows(again)).toBe(true);
    expect(breaker.allows(again)).toBe(true);
  });
});
