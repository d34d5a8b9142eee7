import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local Mastodon instance for one account: mention notifications to poll
 * (newest first, since_id / max_id / limit, types[]), statuses to post with
 * in_reply_to_id and Idempotency-Key honoured, the 500-character limit, and
 * the documented error bodies.
 */
interface Account {
  id: string;
  username: string;
  acct: string;
  display_name: string;
  followers_count: number;
}

interface Status {
  id: string;
  created_at: string;
  in_reply_to_id: string | null;
  content: string;
  visibility: string;
  url: string;
  account: Account;
}

export interface MastodonStandin extends StandinServer {
  /** A customer mentions our account; returns the status as Mastodon would store it. */
  mention(input: { from: string; text: string; inReplyTo?: string; followers?: number; at?: Date }): Status;
  /** Statuses our account posted (replies), oldest first. */
  posted: Status[];
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startMastodonStandin(options: {
  token: string;
  account?: string;
}): Promise<MastodonStandin> {
  let nextId = 100_000;
  const id = () => String(++nextId);
  const accounts = new Map<string, Account>();
  const accountFor = (username: string, followers = 10): Account => {
    let account = accounts.get(username);
    if (!account) {
      account = { id: id(), username, acct: username, display_name: username, followers_count: followers };
      accounts.set(username, account);
    }
    return account;
  };
  const me = accountFor(options.account ?? 'harbourbikes', 1200);
  const notifications: {
    id: string;
    type: 'mention';
    created_at: string;
    account: Account;
    status: Status;
  }[] = [];
  const statuses = new Map<string, Status>();
  const posted: Status[] = [];
  const byIdempotencyKey = new Map<string, Status>();
  let host = '';

  const server = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return json(res, 401, { error: 'The access token is invalid' });
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/accounts/verify_credentials')
      return json(res, 200, me);
    if (req.method === 'GET' && url.pathname === '/api/v2/instance') {
      return json(res, 200, {
        domain: 'standin.social',
        configuration: { statuses: { max_characters: 500, characters_reserved_per_url: 23 } },
      });
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/notifications') {
      const types = url.searchParams.getAll('types[]');
      const since = url.searchParams.get('since_id');
      const max = url.searchParams.get('max_id');
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 40), 80);
      const page = [...notifications]
        .reverse()
        .filter(
          (n) =>
            (types.length === 0 || types.includes(n.type)) &&
            (!since || BigInt(n.id) > BigInt(since)) &&
            (!max || BigInt(n.id) < BigInt(max)),
        )
        .slice(0, limit);
      return json(res, 200, page);
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/statuses') {
      const key = req.headers['idempotency-key'];
      const previous = typeof key === 'string' ? byIdempotencyKey.get(key) : undefined;
      if (previous) return json(res, 200, previous);
      const params = (req.headers['content-type'] ?? '').startsWith('application/json')
        ? (JSON.parse(body.toString()) as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(body.toString()));
      const text = typeof params.status === 'string' ? params.status : '';
      if (!text.trim()) return json(res, 422, { error: "Validation failed: Text can't be blank" });
      if ([...text].length > 500)
        return json(res, 422, { error: 'Validation failed: Text character limit of 500 exceeded' });
      const inReplyTo = typeof params.in_reply_to_id === 'string' ? params.in_reply_to_id : null;
      if (inReplyTo && !statuses.has(inReplyTo)) return json(res, 404, { error: 'Record not found' });
      const visibility = typeof params.visibility === 'string' ? params.visibility : 'public';
      if (!['public', 'unlisted', 'private', 'direct'].includes(visibility)) {
        return json(res, 422, { error: 'Validation failed: Visibility is not included in the list' });
      }
      const status = makeStatus(me, text, inReplyTo, new Date(), visibility);
      posted.push(status);
      if (typeof key === 'string') byIdempotencyKey.set(key, status);
      return json(res, 200, status);
    }
    return json(res, 404, { error: 'Record not found' });
  });
  host = server.url;

  function makeStatus(
    account: Account,
    text: string,
    inReplyTo: string | null,
    at: Date,
    visibility = 'public',
  ): Status {
    const status: Status = {
      id: id(),
      created_at: at.toISOString(),
      in_reply_to_id: inReplyTo,
      content: `<p>${escapeHtml(text).replace(/\n/g, '<br />')}</p>`,
      visibility,
      url: `${host}/@${account.acct}/${nextId}`,
      account,
    };
    statuses.set(status.id, status);
    return status;
  }

  return {
    ...server,
    posted,
    mention({ from, text, inReplyTo, followers, at }) {
      const status = makeStatus(accountFor(from, followers), text, inReplyTo ?? null, at ?? new Date());
      notifications.push({
        id: id(),
        type: 'mention',
        created_at: status.created_at,
        account: status.account,
        status,
      });
      return status;
    },
  };
}
