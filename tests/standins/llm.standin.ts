import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { OwnerCategory, SpamKind } from '../../src/routing/understand/categories.js';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * An OpenAI-compatible chat completions endpoint (POST …/chat/completions,
 * OpenAI's base-URL form and Azure's deployment URLs alike): checks the key
 * (Bearer or Azure's api-key header; 401 otherwise), answers with OpenAI's
 * completion shape, and reads the post by a few keyword rules unless told
 * otherwise. It can be told to be slow, to fail with a status (500, 429), or
 * to answer content that is not the JSON asked for, and it keeps every
 * request it got.
 */
export interface LlmScript {
  /** Answer this many milliseconds late. */
  delayMs?: number;
  /** Answer this status with OpenAI's error body instead of a completion. */
  status?: number;
  /** This, verbatim, as the message content (malformed JSON, prose). */
  content?: string;
  /** This value, as JSON, as the message content. */
  answer?: unknown;
}

export interface LlmRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as it came, to check what left the caller's machine. */
  raw: string;
  /** The user turn's post and network, when it is the JSON Firsthand sends. */
  post: { network?: string; post: string } | undefined;
}

export interface LlmStandin extends StandinServer {
  /** The base URL, as OpenAI's clients take it. */
  baseUrl: string;
  requests: LlmRequest[];
  /** Requests that reached …/chat/completions, refused ones included. */
  readonly calls: number;
  /** The next `count` calls follow `script`. */
  next(script: LlmScript, count?: number): void;
  /** Every call with nothing queued follows `script`; undefined goes back to the rules. */
  always(script: LlmScript | undefined): void;
}

const ChatRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  temperature: z.number().min(0).max(2).optional(),
  response_format: z.object({ type: z.enum(['text', 'json_object', 'json_schema']) }).optional(),
});

const PostSchema = z.object({ network: z.string().optional(), post: z.string() });

// Enough to tell the cases the tests use apart; the evidence is the words as the post has them.
const OWNER_RULES: [RegExp, OwnerCategory][] = [
  [/\b(?:my lawyer|lawsuit|solicitor|sue you|small claims)\b/i, 'legal'],
  [/\b(?:journalist|reporter|newspaper)\b/i, 'press'],
  [/\b(?:food poisoning|sick after eating)\b/i, 'food_safety'],
  [/\b(?:speak to the owner|the manager)\b/i, 'ask_owner'],
  [/\b(?:hurt myself|injured)\b/i, 'harm'],
];
const SPAM_RULES: [RegExp, SpamKind][] = [
  [/\b(?:crypto|bitcoin)\b/i, 'crypto'],
  [/\b(?:buy followers|cheap followers)\b/i, 'followers'],
  [/\b(?:giveaway|you have won)\b/i, 'prize'],
];

function byRules(post: string): { owner: unknown; spam: unknown } {
  const first = <T>(rules: [RegExp, T][]) => {
    for (const [pattern, label] of rules) {
      const match = pattern.exec(post);
      if (match) return { label, evidence: match[0] };
    }
    return undefined;
  };
  const owner = first(OWNER_RULES);
  const spam = first(SPAM_RULES);
  return {
    owner: owner ? { category: owner.label, evidence: owner.evidence } : null,
    spam: spam ? { kind: spam.label, evidence: spam.evidence } : null,
  };
}

export async function startLlmStandin(options: { apiKey?: string } = {}): Promise<LlmStandin> {
  const requests: LlmRequest[] = [];
  const queued: LlmScript[] = [];
  let standing: LlmScript | undefined;
  const timers = new Set<NodeJS.Timeout>();
  let seq = 0;

  const server = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.method !== 'POST' || !url.pathname.endsWith('/chat/completions'))
      return json(res, 404, { error: { message: 'Unknown request URL', type: 'invalid_request_error' } });
    const raw = body.toString('utf8');
    const parsed = ChatRequestSchema.safeParse(safeJson(raw));
    const userTurn = parsed.success ? parsed.data.messages.findLast((m) => m.role === 'user') : undefined;
    const sent = userTurn ? PostSchema.safeParse(safeJson(userTurn.content)) : undefined;
    const post = sent?.success ? sent.data : userTurn ? { post: userTurn.content } : undefined;
    requests.push({ path: `${url.pathname}${url.search}`, headers: req.headers, raw, post });

    const key = options.apiKey;
    if (
      key !== undefined &&
      req.headers.authorization !== `Bearer ${key}` &&
      req.headers['api-key'] !== key
    ) {
      return json(res, 401, {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    }
    if (!parsed.success)
      return json(res, 400, { error: { message: 'Invalid request body', type: 'invalid_request_error' } });

    const script = queued.shift() ?? standing ?? {};
    const answer = () => {
      if (script.status !== undefined) {
        return json(
          res,
          script.status,
          {
            error: {
              message: 'The server had an error',
              type: script.status === 429 ? 'requests' : 'server_error',
            },
          },
          script.status === 429 ? { 'retry-after': '20' } : {},
        );
      }
      const content =
        script.content ??
        JSON.stringify(script.answer !== undefined ? script.answer : byRules(post?.post ?? ''));
      json(res, 200, {
        id: `chatcmpl-${++seq}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: parsed.data.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: Math.ceil(raw.length / 4), completion_tokens: 20, total_tokens: 0 },
      });
    };
    if (!script.delayMs) return answer();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!res.destroyed) answer();
    }, script.delayMs);
    timers.add(timer);
  });

  return {
    url: server.url,
    baseUrl: `${server.url}/v1`,
    loseAnswers: server.loseAnswers,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await server.close();
    },
    requests,
    get calls() {
      return requests.length;
    },
    next(script, count = 1) {
      for (let i = 0; i < count; i++) queued.push(script);
    },
    always(script) {
      standing = script;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
