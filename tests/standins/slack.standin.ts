import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local Slack Web API that behaves like the real one where our code can
 * tell: form-encoded calls with JSON fields, platform errors as HTTP 200
 * with ok:false, Block Kit limits enforced as invalid_blocks, and a
 * per-channel limit of about one message a second answered with 429 and
 * Retry-After. Given an app token, it is also Slack's Socket Mode end.
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
  /** Post the next `count` messages but drop the connection instead of answering, as a call that times out after Slack acted. */
  loseNextPostAnswers(count: number): void;
  messages: Map<string, StandinMessage>;
  /** Files reserved with files.getUploadURLExternal, by id: their bytes once sent, where they were shared once completed. */
  files: Map<string, StandinFile>;
  /** Present when started with an app token. */
  socket: SlackSocket | undefined;
}

export interface StandinMessage {
  channel: string;
  ts: string;
  text: unknown;
  blocks: unknown;
  thread_ts?: string;
  metadata?: unknown;
  /** Ids of the files a files.completeUploadExternal shared with this message. */
  files?: string[];
}

export interface StandinFile {
  id: string;
  filename: string;
  /** The length reserved; the bytes sent to the upload URL must be exactly this long. */
  length: number;
  altText?: string;
  /** What was sent to the upload URL; undefined until then. */
  bytes?: Buffer;
  completed: boolean;
  title?: string;
  channel?: string;
  threadTs?: string;
  initialComment?: string;
}

export type EnvelopeType = 'interactive' | 'slash_commands' | 'events_api';

/** What the app sends back for an envelope; `payload` carries a response where one is accepted. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export interface SlackSocket {
  /**
   * Sends one envelope to the app's newest connection, as Slack does, and
   * resolves with its ack; rejects when none comes within `timeoutMs`
   * (Slack waits 3 seconds).
   */
  deliver(type: EnvelopeType, payload: Record<string, unknown>, timeoutMs?: number): Promise<SocketAck>;
  /** Every ack received, in order. */
  acks: SocketAck[];
  /** WebSocket connections the app holds open. */
  connections(): number;
}

export interface SlackStandinOptions {
  token: string;
  /** An `xapp-` token: turns on apps.connections.open and the WebSocket end of Socket Mode. */
  appToken?: string;
  /** Messages a second a channel before 429; 0 turns the limit off. */
  perChannelPerSecond?: number;
  /** Scopes the token lacks (an app installed from an older manifest): reading history answers missing_scope. */
  missingScopes?: string[];
  /** The workspace's people, for users.info; the bot itself (U0BOT0001) is always there. */
  users?: StandinUser[];
  /**
   * Channel members, for conversations.members. A channel listed here without
   * the bot (U0BOT0001) answers history with not_in_channel, as Slack does;
   * a channel not listed counts the bot in.
   */
  channelMembers?: Record<string, string[]>;
}

/** A users.info profile, as much of it as the app reads. */
export interface StandinUser {
  id: string;
  name: string;
  realName?: string;
  tz?: string;
  deleted?: boolean;
  isBot?: boolean;
}

/** What a token installed from slack/manifest.yaml holds; `missingScopes` takes some away. */
export const STANDIN_SCOPES = [
  'chat:write',
  'channels:history',
  'groups:history',
  'im:history',
  'im:write',
  'commands',
  'users:read',
  'channels:read',
  'groups:read',
  'files:write',
];
const BOT_USER_ID = 'U0BOT0001';

const FIELDS_AS_JSON = new Set(['blocks', 'view', 'attachments', 'metadata', 'files']);

type Json = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Block Kit's documented limits (platform facts A4), checked the way Slack
 * answers them: a list of problems with json-pointers. Exported so builder
 * tests hold our pure builders to exactly what the stand-in accepts.
 */
export function blockKitProblems(blocks: unknown, maxBlocks: number, base = '/blocks'): string[] {
  if (!Array.isArray(blocks)) return [];
  const problems: string[] = [];
  const at = (path: string, what: string) => problems.push(`${what} [json-pointer:${base}${path}]`);
  const text = (value: unknown, path: string, max: number, min = 1) => {
    const t = str((value as Json | undefined)?.text);
    if (value === undefined) return;
    if (t === undefined) return at(path, 'text object without text');
    if (t.length < min) at(`${path}/text`, `must be at least ${min} characters`);
    if (t.length > max) at(`${path}/text`, `must be less than ${max + 1} characters`);
  };
  const element = (el: Json, path: string) => {
    if ((str(el.action_id)?.length ?? 0) > 255) at(`${path}/action_id`, 'must be less than 256 characters');
    if (el.type === 'button') {
      text(el.text, `${path}/text`, 75);
      if ((str(el.value)?.length ?? 0) > 2000) at(`${path}/value`, 'must be less than 2001 characters');
      if ((str(el.url)?.length ?? 0) > 3000) at(`${path}/url`, 'must be less than 3001 characters');
    }
    if (el.placeholder !== undefined) text(el.placeholder, `${path}/placeholder`, 150);
    if (Array.isArray(el.options)) {
      if (el.options.length > 100) at(`${path}/options`, 'no more than 100 items allowed');
      el.options.forEach((o: Json, i: number) => {
        text(o.text, `${path}/options/${i}/text`, 75);
        if ((str(o.value)?.length ?? 0) > 150)
          at(`${path}/options/${i}/value`, 'must be less than 151 characters');
      });
    }
    const confirm = el.confirm as Json | undefined;
    if (confirm) {
      text(confirm.title, `${path}/confirm/title`, 100);
      text(confirm.text, `${path}/confirm/text`, 300);
      text(confirm.confirm, `${path}/confirm/confirm`, 30);
      text(confirm.deny, `${path}/confirm/deny`, 30);
    }
    if (el.type === 'plain_text_input') {
      const max = el.max_length;
      if (typeof max === 'number' && (max < 1 || max > 3000)) at(`${path}/max_length`, 'must be 1 to 3000');
    }
  };
  if (blocks.length > maxBlocks)
    problems.push(`no more than ${maxBlocks} items allowed [json-pointer:${base}]`);
  blocks.forEach((raw, index) => {
    const block = raw as Json;
    const path = `/${index}`;
    if ((str(block.block_id)?.length ?? 0) > 255) at(`${path}/block_id`, 'must be less than 256 characters');
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) at(path, 'section needs text or fields');
        text(block.text, `${path}/text`, 3000);
        if (Array.isArray(block.fields)) {
          if (block.fields.length > 10) at(`${path}/fields`, 'no more than 10 items allowed');
          block.fields.forEach((f: unknown, i: number) => {
            text(f, `${path}/fields/${i}`, 2000);
          });
        }
        if (block.accessory) element(block.accessory as Json, `${path}/accessory`);
        break;
      }
      case 'header':
        text(block.text, `${path}/text`, 150);
        break;
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > 10) at(`${path}/elements`, 'must hold 1 to 10 items');
        elements.forEach((e: unknown, i: number) => {
          text(e, `${path}/elements/${i}`, 3000);
        });
        break;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > 25) at(`${path}/elements`, 'must hold 1 to 25 items');
        elements.forEach((e: Json, i: number) => {
          element(e, `${path}/elements/${i}`);
        });
        break;
      }
      case 'input':
        text(block.label, `${path}/label`, 2000);
        if (block.hint !== undefined) text(block.hint, `${path}/hint`, 2000);
        if (block.element) element(block.element as Json, `${path}/element`);
        break;
      case 'divider':
        break;
      default:
        at(`${path}/type`, `unsupported block type ${String(block.type)}`);
    }
  });
  return problems;
}

/** A modal's or Home tab's own limits, then its blocks'. */
export function viewProblems(view: Json): string[] {
  const problems: string[] = [];
  for (const key of ['title', 'submit', 'close']) {
    const t = str((view[key] as Json | undefined)?.text);
    if (t !== undefined && (t.length === 0 || t.length > 24))
      problems.push(`must be 1 to 24 characters [json-pointer:/view/${key}/text]`);
  }
  if ((str(view.private_metadata)?.length ?? 0) > 3000)
    problems.push('must be less than 3001 characters [json-pointer:/view/private_metadata]');
  if ((str(view.callback_id)?.length ?? 0) > 255)
    problems.push('must be less than 256 characters [json-pointer:/view/callback_id]');
  return [...problems, ...blockKitProblems(view.blocks, 100, '/view/blocks')];
}

/**
 * Slack's side of Socket Mode: apps.connections.open hands out a ws:// link
 * that works once; a connection gets `hello`, then envelopes
 * {envelope_id, type, payload, accepts_response_payload}, each answered by
 * {envelope_id, payload?}.
 */
async function startSocketMode(appId: string) {
  const tickets = new Set<string>();
  const waiting = new Map<string, (ack: SocketAck) => void>();
  const acks: SocketAck[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: ({ req }: { req: IncomingMessage }) =>
      tickets.delete(new URL(req.url ?? '/', 'ws://standin').searchParams.get('ticket') ?? ''),
  });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.on('connection', (ws) => {
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: server.clients.size,
        connection_info: { app_id: appId },
        debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 },
      }),
    );
    ws.on('message', (data) => {
      let ack: SocketAck;
      try {
        ack = JSON.parse(data.toString()) as SocketAck;
      } catch {
        return;
      }
      acks.push(ack);
      waiting.get(ack.envelope_id)?.(ack);
    });
  });

  const socket: SlackSocket = {
    acks,
    connections: () => [...server.clients].filter((c) => c.readyState === WebSocket.OPEN).length,
    deliver(type, payload, timeoutMs = 3000) {
      const ws = [...server.clients].findLast((c) => c.readyState === WebSocket.OPEN);
      if (!ws) return Promise.reject(new Error('no Socket Mode connection is open'));
      const envelopeId = randomUUID();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(envelopeId);
          reject(new Error(`no ack for the ${type} envelope within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(envelopeId, (ack) => {
          clearTimeout(timer);
          waiting.delete(envelopeId);
          resolve(ack);
        });
        // Slack accepts a response in the ack for everything but Events API callbacks.
        ws.send(
          JSON.stringify({
            envelope_id: envelopeId,
            type,
            payload,
            accepts_response_payload: type !== 'events_api',
          }),
        );
      });
    },
  };
  return {
    socket,
    issueUrl() {
      const ticket = randomUUID();
      tickets.add(ticket);
      return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${appId}`;
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A page of conversations.history (a channel's top-level messages, newest
 * first) or conversations.replies (a thread's parent, then its replies, oldest
 * first), between `oldest` and `latest` (exclusive), `limit` at a time with a
 * cursor. Metadata is shown only when include_all_metadata asks for it.
 */
function listMessages(all: StandinMessage[], params: Record<string, unknown>, parent?: StandinMessage): Json {
  const oldest = Number(params.oldest ?? 0);
  const latest = params.latest === undefined ? Number.POSITIVE_INFINITY : Number(params.latest);
  const inWindow = (m: StandinMessage) => Number(m.ts) > oldest && Number(m.ts) < latest;
  const byTs = (a: StandinMessage, b: StandinMessage) => Number(a.ts) - Number(b.ts);
  const selected = parent
    ? [parent, ...all.filter((m) => m.thread_ts === parent.ts && inWindow(m)).sort(byTs)]
    : all
        .filter((m) => m.channel === params.channel && !m.thread_ts && inWindow(m))
        .sort(byTs)
        .reverse();
  const limit = Math.min(Number(params.limit ?? 100) || 100, 1000);
  const start = Number(params.cursor ?? 0) || 0;
  const page = selected.slice(start, start + limit);
  const more = start + limit < selected.length;
  const withMetadata = params.include_all_metadata === true || params.include_all_metadata === 'true';
  return {
    ok: true,
    messages: page.map(({ channel: _channel, metadata, ...m }) => ({
      type: 'message',
      bot_id: 'B0BOT0001',
      ...m,
      ...(withMetadata && metadata ? { metadata } : {}),
    })),
    has_more: more,
    response_metadata: { next_cursor: more ? String(start + limit) : '' },
  };
}

export async function startSlackStandin(options: SlackStandinOptions): Promise<SlackStandin> {
  const calls: SlackCall[] = [];
  const messages: SlackStandin['messages'] = new Map();
  const forced = new Map<string, { count: number; retryAfter: number }>();
  let answersToLose = 0;
  const recent = new Map<string, number[]>();
  const perSecond = options.perChannelPerSecond ?? 0;
  let counter = 0;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, '0')}`;
  const socketMode = options.appToken ? await startSocketMode('A0FIRSTHAND') : undefined;

  const files: SlackStandin['files'] = new Map();

  /**
   * The upload URL files.getUploadURLExternal hands out (files.slack.com in
   * Slack): no token, raw bytes or a multipart form with one file, answered
   * 200 "OK - <bytes>". The reservation is for an exact length, so other
   * lengths are refused with HTTP 400 (the stand-in's choice: Slack's answer
   * to a mismatch is not documented), as is a file already shared.
   */
  async function receiveUpload(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const id = decodeURIComponent((req.url ?? '').split('?')[0]?.split('/').pop() ?? '');
    const file = files.get(id);
    const text = (status: number, answer: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(answer);
    };
    if (req.method !== 'POST') return text(405, 'method not allowed');
    if (!file || file.completed) return text(404, 'upload not found');
    let bytes = body;
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': type } }).formData();
      const part = [...form.values()].find((v): v is File => typeof v !== 'string');
      if (!part) return text(400, 'no file in the form');
      bytes = Buffer.from(await part.arrayBuffer());
    }
    if (bytes.length !== file.length)
      return text(400, `length mismatch: reserved ${file.length} bytes, received ${bytes.length}`);
    file.bytes = bytes;
    return text(200, `OK - ${bytes.length}`);
  }

  const server = await listen((req, res, body) => {
    if ((req.url ?? '').startsWith('/upload/v1/')) return receiveUpload(req, res, body);
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

    // Only the app-level token opens a socket, and it opens nothing else.
    const appAuth = options.appToken ? `Bearer ${options.appToken}` : undefined;
    if (method === 'apps.connections.open') {
      if (socketMode && req.headers.authorization === appAuth)
        return json(res, 200, { ok: true, url: socketMode.issueUrl() });
      const botToken = req.headers.authorization === `Bearer ${options.token}`;
      return json(res, 200, { ok: false, error: botToken ? 'not_allowed_token_type' : 'invalid_auth' });
    }
    if (appAuth && req.headers.authorization === appAuth)
      return json(res, 200, { ok: false, error: 'not_allowed_token_type' });
    if (req.headers.authorization !== `Bearer ${options.token}`)
      return json(res, 200, { ok: false, error: 'invalid_auth' });
    // Slack names the token's scopes on every Web API answer.
    const granted = STANDIN_SCOPES.filter((scope) => !options.missingScopes?.includes(scope));
    res.setHeader('x-oauth-scopes', granted.join(','));
    const lacks = (scope: string) => !granted.includes(scope);
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
          user_id: BOT_USER_ID,
          bot_id: 'B0BOT0001',
        });
      case 'chat.postMessage':
      case 'chat.update': {
        if (!channel) return json(res, 200, { ok: false, error: 'channel_not_found' });
        if (!params.text && !params.blocks) return json(res, 200, { ok: false, error: 'no_text' });
        const problems = blockKitProblems(params.blocks, 50);
        if (String(params.text ?? '').length > 40_000) problems.push('text longer than 40,000 characters');
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
          ...(params.metadata ? { metadata: params.metadata } : {}),
        };
        messages.set(ts, message);
        if (answersToLose > 0) {
          answersToLose--;
          res.socket?.destroy();
          return;
        }
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
        const problems = viewProblems(view as Json);
        if (problems.length)
          return json(res, 200, {
            ok: false,
            error: 'invalid_arguments',
            response_metadata: { messages: problems },
          });
        return json(res, 200, { ok: true, view: { id: `V${String(++counter).padStart(8, '0')}`, ...view } });
      }
      case 'conversations.history':
      case 'conversations.replies': {
        if (!channel) return json(res, 200, { ok: false, error: 'channel_not_found' });
        const scope = channel.startsWith('D') ? 'im:history' : 'channels:history';
        if (lacks(scope)) return json(res, 200, { ok: false, error: 'missing_scope', needed: scope });
        if (options.channelMembers?.[channel]?.includes(BOT_USER_ID) === false)
          return json(res, 200, { ok: false, error: 'not_in_channel' });
        const parent = method === 'conversations.replies' ? messages.get(String(params.ts)) : undefined;
        if (method === 'conversations.replies' && parent?.channel !== channel)
          return json(res, 200, { ok: false, error: 'thread_not_found' });
        return json(res, 200, listMessages([...messages.values()], params, parent));
      }
      case 'conversations.members': {
        if (lacks('channels:read'))
          return json(res, 200, { ok: false, error: 'missing_scope', needed: 'channels:read' });
        const members = channel ? options.channelMembers?.[channel] : undefined;
        if (!members) return json(res, 200, { ok: false, error: 'channel_not_found' });
        const limit = Math.min(Number(params.limit ?? 100) || 100, 1000);
        const start = Number(params.cursor ?? 0) || 0;
        const more = start + limit < members.length;
        return json(res, 200, {
          ok: true,
          members: members.slice(start, start + limit),
          response_metadata: { next_cursor: more ? String(start + limit) : '' },
        });
      }
      case 'users.info': {
        if (lacks('users:read'))
          return json(res, 200, { ok: false, error: 'missing_scope', needed: 'users:read' });
        const bot: StandinUser = { id: BOT_USER_ID, name: 'firsthand', isBot: true };
        const user = [bot, ...(options.users ?? [])].find((u) => u.id === params.user);
        if (!user) return json(res, 200, { ok: false, error: 'user_not_found' });
        return json(res, 200, {
          ok: true,
          user: {
            id: user.id,
            name: user.name,
            real_name: user.realName ?? user.name,
            deleted: user.deleted ?? false,
            is_bot: user.isBot ?? false,
            ...(user.tz ? { tz: user.tz } : {}),
            profile: { real_name: user.realName ?? user.name, display_name: user.name },
          },
        });
      }
      case 'files.getUploadURLExternal': {
        if (lacks('files:write'))
          return json(res, 200, { ok: false, error: 'missing_scope', needed: 'files:write' });
        const length = Number(params.length);
        if (typeof params.filename !== 'string' || !params.filename || params.length === undefined)
          return json(res, 200, { ok: false, error: 'invalid_arguments' });
        if (!Number.isInteger(length) || length < 0)
          return json(res, 200, { ok: false, error: 'invalid_arguments' });
        // Slack: "missing_argument … typically only occurs when the length provided is 0".
        if (length === 0) return json(res, 200, { ok: false, error: 'missing_argument' });
        const id = `F${String(++counter).padStart(10, '0')}`;
        files.set(id, {
          id,
          filename: params.filename,
          length,
          completed: false,
          ...(typeof params.alt_text === 'string' ? { altText: params.alt_text } : {}),
        });
        return json(res, 200, {
          ok: true,
          upload_url: `http://${req.headers.host}/upload/v1/${id}`,
          file_id: id,
        });
      }
      case 'files.completeUploadExternal': {
        if (lacks('files:write'))
          return json(res, 200, { ok: false, error: 'missing_scope', needed: 'files:write' });
        const list = params.files;
        if (
          !Array.isArray(list) ||
          list.length === 0 ||
          list.some((f) => typeof (f as Json)?.id !== 'string')
        )
          return json(res, 200, { ok: false, error: 'invalid_arguments' });
        const target = typeof params.channel_id === 'string' ? params.channel_id : undefined;
        const threadTs = typeof params.thread_ts === 'string' ? params.thread_ts : undefined;
        if (threadTs && !target) return json(res, 200, { ok: false, error: 'invalid_arguments' });
        if (target && options.channelMembers?.[target]?.includes(BOT_USER_ID) === false)
          return json(res, 200, { ok: false, error: 'not_in_channel' });
        // Completing once is all Slack allows; a file never sent has nothing to complete either.
        const wanted = (list as { id: string; title?: unknown }[]).map((f) => ({ f, file: files.get(f.id) }));
        if (wanted.some(({ file }) => !file || file.completed || !file.bytes))
          return json(res, 200, { ok: false, error: 'file_not_found' });
        const comment = typeof params.initial_comment === 'string' ? params.initial_comment : undefined;
        for (const { f, file } of wanted) {
          if (!file) continue;
          file.completed = true;
          file.title = typeof f.title === 'string' ? f.title : file.filename;
          if (target) file.channel = target;
          if (threadTs) file.threadTs = threadTs;
          if (comment) file.initialComment = comment;
        }
        if (target) {
          const ts = nextTs();
          messages.set(ts, {
            channel: target,
            ts,
            text: comment ?? '',
            // Slack ignores blocks when an initial comment is given.
            blocks: comment ? undefined : params.blocks,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            files: wanted.map(({ f }) => f.id),
          });
        }
        return json(res, 200, {
          ok: true,
          files: wanted.map(({ file }) => ({ id: file?.id, name: file?.filename, title: file?.title })),
        });
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
    async close() {
      await socketMode?.close();
      await server.close();
    },
    apiUrl: `${server.url}/api/`,
    calls,
    messages,
    files,
    socket: socketMode?.socket,
    callsTo: (method) => calls.filter((c) => c.method === method),
    rateLimitNext(method, count, retryAfterSeconds = 1) {
      forced.set(method, { count, retryAfter: retryAfterSeconds });
    },
    loseNextPostAnswers(count) {
      answersToLose = count;
    },
  };
}
