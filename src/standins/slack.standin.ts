import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local Slack Web API that behaves like the real one where our code can
 * tell: form-encoded calls with JSON fields, platform errors as HTTP 200
 * with ok:false, Block Kit limits enforced as invalid_blocks, and a
 * per-channel limit of about one message a second answered with 429 and
 * Retry-After.
 */
export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

export interface SlackStandin extends StandinServer {
  apiUrl: string;
  calls: SlackCall[];
  callsTo(method: string): SlackCall[];
  /** Answer the next `count` calls to `method` with HTTP 429. */
  rateLimitNext(method: string, count: number, retryAfterSeconds?: number): void;
  messages: Map<string, { channel: string; ts: string; text: unknown; blocks: unknown; thread_ts?: string }>;
}

export interface SlackStandinOptions {
  token: string;
  /** Messages a second a channel before 429; 0 turns the limit off. */
  perChannelPerSecond?: number;
}

const FIELDS_AS_JSON = new Set(['blocks', 'view', 'attachments', 'metadata']);

function blockProblems(blocks: unknown, max: number): string[] {
  if (!Array.isArray(blocks)) return [];
  const problems: string[] = [];
  if (blocks.length > max) problems.push(`no more than ${max} items allowed [json-pointer:/blocks]`);
  blocks.forEach((block, index) => {
    const text = (block as { text?: { text?: unknown } }).text?.text;
    if (typeof text === 'string' && (text.length === 0 || text.length > 3000)) {
      problems.push(`must be less than 3001 characters [json-pointer:/blocks/${index}/text/text]`);
    }
  });
  return problems;
}

export async function startSlackStandin(options: SlackStandinOptions): Promise<SlackStandin> {
  const calls: SlackCall[] = [];
  const messages: SlackStandin['messages'] = new Map();
  const forced = new Map<string, { count: number; retryAfter: number }>();
  const recent = new Map<string, number[]>();
  const perSecond = options.perChannelPerSecond ?? 0;
  let counter = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;

  const server = await listen((req, res, body) => {
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const params: Record<string, unknown> = {};
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('application/json')) Object.assign(params, JSON.parse(body.toString() || '{}'));
    else {
      for (const [key, value] of new URLSearchParams(body.toString())) {
        params[key] = FIELDS_AS_JSON.has(key) ? JSON.parse(value) : value;
      }
    }
    calls.push({ method, params, at: Date.now() });

    if (req.headers.authorization !== `Bearer ${options.token}`)
      return json(res, 200, { ok: false, error: 'invalid_auth' });
    const force = forced.get(method);
    if (force && force.count > 0) {
      force.count--;
      return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(force.retryAfter) });
    }
    const channel = typeof params.channel === 'string' ? params.channel : undefined;
    if (perSecond > 0 && channel && (method === 'chat.postMessage' || method === 'chat.update')) {
      const now = Date.now();
      const window = (recent.get(channel) ?? []).filter((t) => now - t < 1000);
      if (window.length >= perSecond) {
        recent.set(channel, window);
        return json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '1' });
      }
      recent.set(channel, [...window, now]);
    }

    switch (method) {
      case 'auth.test':
        return json(res, 200, {
          ok: true,
          url: 'https://standin.slack.com/',
          team: 'Standin',
          user: 'firsthand',
          team_id: 'T0STANDIN',
          user_id: 'U0BOT0001',
          bot_id: 'B0BOT0001',
        });
      case 'chat.postMessage':
      case 'chat.update': {
        if (!channel) return json(res, 200, { ok: false, error: 'channel_not_found' });
        if (!params.text && !params.blocks) return json(res, 200, { ok: false, error: 'no_text' });
        const problems = blockProblems(params.blocks, 50);
        if (problems.length) return json(res, 200, { ok: false, error: 'invalid_blocks', errors: problems });
        if (method === 'chat.update') {
          const existing = messages.get(String(params.ts));
          if (!existing) return json(res, 200, { ok: false, error: 'message_not_found' });
          messages.set(existing.ts, { ...existing, text: params.text, blocks: params.blocks });
          return json(res, 200, { ok: true, channel, ts: existing.ts, text: params.text });
        }
        const ts = nextTs();
        const message = {
          channel,
          ts,
          text: params.text,
          blocks: params.blocks,
          ...(params.thread_ts ? { thread_ts: String(params.thread_ts) } : {}),
        };
        messages.set(ts, message);
        return json(res, 200, {
          ok: true,
          channel,
          ts,
          message: { type: 'message', text: params.text, ts, bot_id: 'B0BOT0001' },
        });
      }
      case 'chat.postEphemeral':
        if (!channel || !params.user) return json(res, 200, { ok: false, error: 'user_not_in_channel' });
        return json(res, 200, { ok: true, message_ts: nextTs() });
      case 'views.open':
      case 'views.publish': {
        const view = params.view as { blocks?: unknown; title?: { text?: string } } | undefined;
        if (!view) return json(res, 200, { ok: false, error: 'invalid_arguments' });
        if (method === 'views.open' && !params.trigger_id)
          return json(res, 200, { ok: false, error: 'invalid_trigger_id' });
        const problems = blockProblems(view.blocks, 100);
        if ((view.title?.text?.length ?? 0) > 24)
          problems.push('must be less than 25 characters [json-pointer:/view/title/text]');
        if (problems.length)
          return json(res, 200, {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: problems },
          });
        return json(res, 200, { ok: true, view: { id: `V${String(++counter).padStart(8, '0')}`, ...view } });
      }
      case 'conversations.open':
        return json(res, 200, {
          ok: true,
          channel: { id: `D${String(params.users ?? 'X').replace(/^U/, '')}` },
        });
      default:
        return json(res, 200, { ok: false, error: 'unknown_method' });
    }
  });

  return {
    ...server,
    apiUrl: `${server.url}/api/`,
    calls,
    messages,
    callsTo: (method) => calls.filter((c) => c.method === method),
    rateLimitNext(method, count, retryAfterSeconds = 1) {
      forced.set(method, { count, retryAfter: retryAfterSeconds });
    },
  };
}
