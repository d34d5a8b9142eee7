import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Mention } from '../../contract/mention.js';
import type { TriageVerdict } from '../understand/reading-context.js';
import { CircuitBreaker, DailyBudget, LruCache } from './call-guards.js';
import { ChatCompletionSchema, readAnswer, SYSTEM_PROMPT, userMessage } from './triage-prompt.js';

/** A second reading of a mention; undefined when it has nothing to add in time. It never throws. */
export type Triage = (mention: Mention) => Promise<TriageVerdict | undefined>;

export interface LlmTriageSettings {
  /** A base URL as OpenAI's clients take it (https://api.openai.com/v1), or a full …/chat/completions URL. */
  url: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs?: number;
  dailyBudget?: number;
}

export interface LlmTriageDeps {
  logger: Logger;
  now: () => Date;
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 4000;
const DEFAULT_DAILY_BUDGET = 2000;
/** Texts whose verdict is kept: a copy-paste campaign or a retried job costs one call. */
const CACHE_ENTRIES = 5000;
const BREAKER_FAILURES = 5;
const BREAKER_PAUSE_MS = 60_000;

type Failure = { reason: 'timeout' | 'unreachable' | 'refused' | 'malformed'; status?: number; err?: string };

/**
 * The optional model triage: asks an OpenAI-compatible chat completions
 * endpoint (OpenAI, Azure OpenAI, Ollama, vLLM) what only the owner can
 * answer and what is spam. Only the post's text and its network's name leave
 * the machine. Whatever goes wrong (slow, down, over budget, an answer that
 * is not the JSON asked for) it answers undefined and the built-in reading
 * stands; its logs never carry the post or the key.
 */
export function createLlmTriage(settings: LlmTriageSettings, deps: LlmTriageDeps): Triage {
  const endpoint = completionsEndpoint(settings.url);
  const headers = requestHeaders(endpoint, settings.apiKey);
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dailyBudget = settings.dailyBudget ?? DEFAULT_DAILY_BUDGET;
  const doFetch = deps.fetch ?? fetch;
  const logger = deps.logger.child({ triage: settings.model });
  // Promises, not verdicts: the same text arriving twice at once (a campaign) waits on one call.
  const cache = new LruCache<string, Promise<TriageVerdict | undefined>>(CACHE_ENTRIES);
  const budget = new DailyBudget(dailyBudget);
  const breaker = new CircuitBreaker(BREAKER_FAILURES, BREAKER_PAUSE_MS);

  async function call(mention: Mention): Promise<TriageVerdict | Failure> {
    let response: Response;
    let body: string;
    try {
      response = await doFetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: settings.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: userMessage(mention) },
          ],
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The error body is not read: a provider may echo the request, and with it the post.
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        return { reason: 'refused', status: response.status };
      }
      body = await response.text();
    } catch (error) {
      return isTimeout(error) ? { reason: 'timeout' } : { reason: 'unreachable', err: describe(error) };
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { reason: 'malformed', err: 'the answer is not JSON' };
    }
    const completion = ChatCompletionSchema.safeParse(json);
    if (!completion.success) return { reason: 'malformed', err: 'not a chat completion' };
    const read = readAnswer(completion.data.choices[0]!.message.content, mention.text);
    if (!read.ok) return { reason: 'malformed', err: read.problem };
    if (read.unquoted.length > 0)
      logger.info({ dropped: read.unquoted }, 'model triage quoted words that are not in the post; dropped');
    return { ...read.verdict, source: settings.model };
  }

  async function ask(mention: Mention): Promise<TriageVerdict | undefined> {
    let outcome: TriageVerdict | Failure;
    try {
      outcome = await call(mention);
    } catch (error) {
      outcome = { reason: 'unreachable', err: describe(error) };
    }
    if ('reason' in outcome) {
      logger.warn(outcome, 'model triage failed; the built-in reading stands');
      if (breaker.failed(deps.now()))
        logger.warn({ pauseSeconds: BREAKER_PAUSE_MS / 1000 }, 'model triage keeps failing; paused');
      return undefined;
    }
    if (breaker.succeeded()) logger.info('model triage answers again');
    return outcome;
  }

  return async (mention) => {
    if (mention.text.trim() === '') return undefined;
    const key = cacheKey(mention);
    const cached = cache.get(key);
    if (cached) return cached;
    const now = deps.now();
    if (!budget.left(now)) {
      if (budget.firstRefusalToday(now))
        logger.warn(
          { dailyBudget },
          'model triage spent its daily budget; the built-in reading until 00:00 UTC',
        );
      return undefined;
    }
    if (!breaker.allows(now)) return undefined;
    budget.spend(now);
    const answer = ask(mention);
    cache.set(key, answer);
    // A failure is not remembered: the next mention with this text asks again.
    void answer.then((verdict) => {
      if (verdict === undefined && cache.get(key) === answer) cache.delete(key);
    });
    return answer;
  };
}

/** The network is part of what the model is told, so it is part of what its answer is kept under. */
const cacheKey = (mention: Mention) =>
  createHash('sha256').update(mention.network).update('\n').update(mention.text).digest('base64url');

/** OpenAI's clients append /chat/completions to a base URL; a URL that already ends with it (Azure's) is kept. */
export function completionsEndpoint(configured: string): string {
  const url = new URL(configured);
  if (!url.pathname.endsWith('/chat/completions'))
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  return url.toString();
}

/**
 * Bearer for OpenAI and the servers that copy it. Azure OpenAI reads its key
 * from `api-key` (Bearer is for Entra tokens there) and gateways in front of
 * it may want either, so an Azure URL (an api-version, or an azure.com host) gets both.
 */
export function requestHeaders(endpoint: string, apiKey: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (!apiKey) return headers;
  headers.authorization = `Bearer ${apiKey}`;
  const url = new URL(endpoint);
  if (url.searchParams.has('api-version') || url.hostname.endsWith('.azure.com')) headers['api-key'] = apiKey;
  return headers;
}

const isTimeout = (error: unknown) =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');

/** fetch's own words and the socket's error code; they name neither the post nor the key. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
