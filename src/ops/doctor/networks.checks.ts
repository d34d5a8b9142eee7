import type { Config } from '../../config.js';
import { type CheckResult, errorText, fail, ok, warn } from './check.js';

/** A network's answer as the judges see it: the HTTP status and the parsed body. */
export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

const TIMEOUT_MS = 10_000;

async function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { status: response.status, body };
}

const join = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;

/** The reason a network gives, in the shape each uses. */
function reason(answer: HttpAnswer): string {
  const b = answer.body as {
    error?: unknown;
    message?: unknown;
    title?: unknown;
    detail?: unknown;
  };
  const graph = b.error as { message?: unknown; code?: unknown } | undefined;
  if (graph && typeof graph === 'object') return `${String(graph.message)} (code ${String(graph.code)})`;
  const text = [b.error, b.message, b.title, b.detail].find((v) => typeof v === 'string');
  return `HTTP ${answer.status}${text ? `: ${String(text)}` : ''}`;
}

export function judgeX(answer: HttpAnswer, userId: string): CheckResult {
  const name = 'X';
  const fix =
    'issue a new OAuth 2 user token for our account (scopes tweet.read tweet.write users.read, plus dm.read dm.write for direct messages) and put it in X_BEARER_TOKEN';
  if (answer.status !== 200) return fail(name, `users/me: ${reason(answer)}`, fix);
  const me = answer.body.data as { id?: string; username?: string } | undefined;
  if (me?.id !== userId) {
    return fail(
      name,
      `the token belongs to @${me?.username} (${me?.id}), not X_USER_ID ${userId}`,
      `set X_USER_ID=${me?.id}, or use a token of account ${userId}`,
    );
  }
  return ok(name, `users/me: @${me.username} (${me.id})`);
}

export function judgeFacebook(answer: HttpAnswer): CheckResult {
  const name = 'Facebook';
  if (answer.status !== 200) {
    return fail(
      name,
      `Graph /me: ${reason(answer)}`,
      'generate a Page access token (pages_messaging, pages_manage_engagement, pages_read_engagement) for the Page and put it in FACEBOOK_PAGE_TOKEN',
    );
  }
  return ok(name, `Graph /me: Page ${String(answer.body.name ?? answer.body.id)}`);
}

/** Meta delivers a Page's comments and messages only to apps the Page itself is subscribed to. */
export const FACEBOOK_WEBHOOK_FIELDS = ['feed', 'messages'];

export function judgeFacebookSubscriptions(answer: HttpAnswer, pageId: string): CheckResult {
  const name = 'Facebook webhooks';
  const fix = `subscribe the app to the Page: POST /${pageId}/subscribed_apps?subscribed_fields=${FACEBOOK_WEBHOOK_FIELDS.join(',')} with the Page token (and the same fields under the app's Webhooks → Page, callback <your public URL>/ingest/meta/webhook)`;
  if (answer.status !== 200) {
    return warn(name, `cannot list the Page's subscribed apps: ${reason(answer)}`, fix);
  }
  const apps = (answer.body.data as { subscribed_fields?: string[] }[] | undefined) ?? [];
  const fields = new Set(apps.flatMap((app) => app.subscribed_fields ?? []));
  const missing = FACEBOOK_WEBHOOK_FIELDS.filter((field) => !fields.has(field));
  if (missing.length > 0)
    return fail(name, `the Page ${pageId} sends no ${missing.join(' or ')} events`, fix);
  return ok(name, `the Page ${pageId} is subscribed to ${FACEBOOK_WEBHOOK_FIELDS.join(' and ')}`);
}

export function judgeInstagram(answer: HttpAnswer, userId: string): CheckResult {
  const name = 'Instagram';
  if (answer.status !== 200) {
    return fail(
      name,
      `Graph /${userId}: ${reason(answer)}`,
      'check INSTAGRAM_USER_ID (the Instagram business account id) and renew INSTAGRAM_TOKEN (instagram_manage_comments, instagram_manage_messages)',
    );
  }
  return ok(name, `Graph /${userId}: ${String(answer.body.username ?? answer.body.id)}`);
}

export function judgeMastodon(answer: HttpAnswer, url: string): CheckResult {
  const name = 'Mastodon';
  if (answer.status !== 200) {
    return fail(
      name,
      `verify_credentials on ${url}: ${reason(answer)}`,
      'create an access token (Preferences → Development → New application, scopes read:notifications write:statuses read:accounts) and put it in MASTODON_TOKEN',
    );
  }
  return ok(name, `verify_credentials: @${String(answer.body.acct ?? answer.body.username)}`);
}

export function judgeBluesky(answer: HttpAnswer, identifier: string): CheckResult {
  const name = 'Bluesky';
  if (answer.status !== 200) {
    return fail(
      name,
      `createSession for ${identifier}: ${reason(answer)}`,
      'check BLUESKY_IDENTIFIER (the handle) and create an app password (Settings → Privacy and security → App passwords) for BLUESKY_PASSWORD',
    );
  }
  return ok(name, `session for ${String(answer.body.handle ?? identifier)}`);
}

/** One line for each network that is switched on; nothing for those that are off. */
export async function checkNetworks(config: Config): Promise<CheckResult[]> {
  const checks: [name: string, run: () => Promise<CheckResult | CheckResult[]>][] = [];
  const { x, meta, facebook, instagram, mastodon, bluesky } = config;
  if (x) {
    checks.push([
      'X',
      async () =>
        judgeX(
          await request(join(x.apiUrl, '/2/users/me'), { headers: { authorization: `Bearer ${x.token}` } }),
          x.userId,
        ),
    ]);
  }
  if (meta && facebook) {
    checks.push([
      'Facebook',
      async () => {
        const headers = { authorization: `Bearer ${facebook.pageToken}` };
        const me = await request(join(meta.graphUrl, '/me?fields=id,name'), { headers });
        const result = judgeFacebook(me);
        if (result.status !== 'ok') return [result];
        const pageId = String(me.body.id);
        const apps = await request(join(meta.graphUrl, `/${encodeURIComponent(pageId)}/subscribed_apps`), {
          headers,
        });
        return [result, judgeFacebookSubscriptions(apps, pageId)];
      },
    ]);
  }
  if (meta && instagram) {
    checks.push([
      'Instagram',
      async () =>
        judgeInstagram(
          await request(join(meta.graphUrl, `/${encodeURIComponent(instagram.userId)}?fields=id,username`), {
            headers: { authorization: `Bearer ${instagram.token}` },
          }),
          instagram.userId,
        ),
    ]);
  }
  if (mastodon) {
    checks.push([
      'Mastodon',
      async () =>
        judgeMastodon(
          await request(join(mastodon.url, '/api/v1/accounts/verify_credentials'), {
            headers: { authorization: `Bearer ${mastodon.token}` },
          }),
          mastodon.url,
        ),
    ]);
  }
  if (bluesky) {
    checks.push([
      'Bluesky',
      async () =>
        judgeBluesky(
          await request(join(bluesky.service, '/xrpc/com.atproto.server.createSession'), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ identifier: bluesky.identifier, password: bluesky.password }),
          }),
          bluesky.identifier,
        ),
    ]);
  }
  const results = await Promise.all(
    checks.map(([name, run]) =>
      run().catch((error) =>
        fail(name, `no answer: ${errorText(error)}`, 'check the API URL and the network'),
      ),
    ),
  );
  return results.flat();
}
