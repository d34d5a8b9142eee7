import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, listen, type StandinServer } from './standin-server.js';

/**
 * A local Graph API for Facebook Pages and Instagram comments: replies to
 * comments and visitors' posts (/{id}/comments, /{id}/replies), replies to @mentions
 * (/{ig-user}/mentions), the mentioned_comment lookup, private replies
 * (/{page-id|me|ig-user}/messages with recipient.comment_id: once per comment,
 * within 7 days of it), and conversations in Messenger and Instagram Direct:
 * a customer's message, the sender's profile (/{psid|igsid}?fields=...), and
 * answers with recipient.id within 24 hours of their last message. What was
 * written can be read back: an object's comments or replies (paged), a
 * conversation's latest messages (/{inbox}/conversations?user_id=...), the
 * Page behind `me`, our Instagram username. Errors come the
 * Graph way: HTTP 400 with {error:{message,type,code,fbtrace_id}}; a
 * throttle answers code 4/17/32/613 with X-Business-Use-Case-Usage; a dead
 * token answers 190. It also builds the webhook deliveries Meta would send.
 */
export interface GraphComment {
  id: string;
  /** The post, media or comment it answers. */
  parentId: string;
  message: string;
  from: { id: string; name?: string; username?: string };
  createdAt: string;
  mediaId?: string;
}

export interface MetaStandin extends StandinServer {
  graphUrl: string;
  comments: Map<string, GraphComment>;
  /** Comments posted through the API by us, in order, with the path used. */
  posted: { path: string; id: string; parentId: string; message: string }[];
  /** Messages sent through /{id}/messages, in order, with the path used; commentId for a private reply. */
  privateReplies: {
    path: string;
    commentId: string | undefined;
    recipientId: string;
    messageId: string;
    text: string;
    /** The Page or Instagram account that sent it. */
    senderId: string;
    createdAt: string;
  }[];
  /** A customer's message to a Page in Messenger or to our Instagram account, and the messages delivery for it. */
  addDirectMessage(input: {
    network: 'facebook' | 'instagram';
    /** The Page id, or our Instagram account id. */
    inboxId: string;
    from: { id: string; name?: string; username?: string; followers?: number };
    text?: string;
    attachments?: string[];
  }): { mid: string; delivery: Record<string, unknown> };
  /** A customer's comment on a Page post (or a reply to a comment) and the feed delivery for it. */
  addPageComment(input: {
    pageId: string;
    postId: string;
    parentId?: string;
    from: { id: string; name: string };
    message: string;
  }): { comment: GraphComment; delivery: Record<string, unknown> };
  /** A visitor's own post on the Page and the feed delivery for it. */
  addVisitorPost(input: { pageId: string; from: { id: string; name: string }; message: string }): {
    post: GraphComment;
    delivery: Record<string, unknown>;
  };
  /** A customer's comment on our Instagram media and the comments delivery for it. */
  addIgComment(input: {
    igUserId: string;
    mediaId: string;
    parentId?: string;
    from: { id: string; username: string };
    text: string;
  }): { comment: GraphComment; delivery: Record<string, unknown> };
  /** A customer's comment elsewhere that @mentions us, and the mentions delivery (ids only, as Meta sends). */
  addIgMention(input: {
    igUserId: string;
    mediaId: string;
    from: { id: string; username: string };
    text: string;
  }): { comment: GraphComment; delivery: Record<string, unknown> };
  /** The next `count` calls answer a throttle with this Graph code. */
  throttleNext(count: number, code?: 4 | 17 | 32 | 613, minutesToRegain?: number): void;
  /** Every later call answers 190 until `reviveToken`. */
  expireToken(): void;
  reviveToken(): void;
}

export interface MetaStandinOptions {
  tokens: string[];
  /** The Page each Page token belongs to: what `me` stands for with that token. */
  pages?: Record<string, string>;
  /** Our Instagram accounts' usernames, by account id. */
  instagramAccounts?: Record<string, string>;
  /** The webhook fields our app is subscribed to on each Page (GET /{page}/subscribed_apps); unlisted Pages have feed and messages. */
  pageSubscriptions?: Record<string, string[]>;
  now?: () => Date;
}

type Author = GraphComment['from'];

const graphError = (message: string, code: number, extra: Record<string, unknown> = {}) => ({
  error: { message, type: 'OAuthException', code, ...extra, fbtrace_id: 'AbCdEfStandin' },
});

export async function startMetaStandin(options: MetaStandinOptions): Promise<MetaStandin> {
  const now = options.now ?? (() => new Date());
  const comments = new Map<string, GraphComment>();
  const posted: MetaStandin['posted'] = [];
  const privateReplies: MetaStandin['privateReplies'] = [];
  const answeredPrivately = new Set<string>();
  // What the User Profile APIs tell a Page or an Instagram account about someone who wrote to it.
  const profiles = new Map<string, Record<string, string | number>>();
  // Each customer's conversation with an inbox, and when they last wrote in it (the 24-hour window).
  const conversations = new Map<string, { network: 'facebook' | 'instagram'; lastAt: number }>();
  // Every message of those conversations, both ways, oldest first, under `${inbox}:${customer}`.
  const conversationLog: { key: string; id: string; text: string; from: Author; createdAt: string }[] = [];
  let seq = 17_865_799_348_089_039n;
  const newId = () => String(seq++);
  const throttle = { count: 0, code: 32, minutes: 5 };
  let expired = false;
  const epoch = () => Math.floor(now().getTime() / 1000);
  /** One change to one account, wrapped as Meta delivers it. */
  const changeDelivery = (
    object: 'page' | 'instagram',
    accountId: string,
    field: string,
    value: unknown,
  ) => ({
    object,
    entry: [{ id: accountId, time: epoch(), changes: [{ field, value }] }],
  });

  function tokenOf(req: IncomingMessage, url: URL): string | undefined {
    const auth = req.headers.authorization;
    return auth?.startsWith('Bearer ') ? auth.slice(7) : (url.searchParams.get('access_token') ?? undefined);
  }

  function messageOf(body: Buffer, url: URL): string | undefined {
    const fromQuery = url.searchParams.get('message');
    if (fromQuery) return fromQuery;
    const text = body.toString('utf8');
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return typeof parsed.message === 'string' ? parsed.message : undefined;
    } catch {
      return new URLSearchParams(text).get('message') ?? undefined;
    }
  }

  function bodyJson(body: Buffer): Record<string, unknown> {
    try {
      return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
  }

  function reply(
    parentId: string,
    message: string | undefined,
    path: string,
    author: Author,
    res: ServerResponse,
  ) {
    if (!message) return json(res, 400, graphError('(#100) The parameter message is required', 100));
    if (!comments.has(parentId)) {
      return json(
        res,
        400,
        graphError(
          `Unsupported post request. Object with ID '${parentId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          100,
          { error_subcode: 33 },
        ),
      );
    }
    const id = newId();
    comments.set(id, { id, parentId, message, from: author, createdAt: now().toISOString() });
    posted.push({ path, id, parentId, message });
    json(res, 200, { id });
  }

  /** Graph's time format for created_time and timestamp. */
  const graphTime = (iso: string) => iso.replace(/\.\d{3}Z$/, '+0000');

  /** How Graph shows a Page as the author of a comment or message. */
  const asPage = (pageId: string): Author => ({ id: pageId, name: `Page ${pageId}` });
  // Graph names the author of an Instagram comment or message by an id scoped to the reader, never by
  // the account's own id: only the username says it is us.
  const igScopedId = (igUserId: string) => `ig-scoped-${igUserId}`;
  const igAuthor = (igUserId: string): Author => ({
    id: igScopedId(igUserId),
    username: options.instagramAccounts?.[igUserId],
  });

  /**
   * One page of an edge, Graph's way: `limit` items after the `after` cursor, with cursors, and `next`
   * only while more follow.
   */
  function edgePage<T>(items: T[], url: URL, path: string) {
    const from = Number(url.searchParams.get('after') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '25');
    const data = items.slice(from, from + limit);
    const after = String(from + data.length);
    const next = new URL(`${server.url}/v21.0${path}${url.search}`);
    next.searchParams.set('after', after);
    return {
      data,
      ...(data.length > 0
        ? {
            paging: {
              cursors: { before: String(from), after },
              ...(from + data.length < items.length ? { next: next.toString() } : {}),
            },
          }
        : {}),
    };
  }

  /** GET /{id}/comments (Facebook) or /{id}/replies (Instagram): the comments under an object, as Graph lists them. */
  function listComments(parentId: string, edge: string, url: URL, res: ServerResponse) {
    if (!comments.has(parentId)) return json(res, 400, graphError('(#100) Invalid parameter', 100));
    const fields = new Set((url.searchParams.get('fields') ?? 'id,message').split(','));
    const instagram = edge === 'replies';
    const under = [...comments.values()].filter((c) => c.parentId === parentId);
    if (url.searchParams.get('order') === 'reverse_chronological') under.reverse();
    const listed = under.map((c) => ({
      id: c.id,
      ...(fields.has(instagram ? 'text' : 'message') ? { [instagram ? 'text' : 'message']: c.message } : {}),
      ...(fields.has('from') ? { from: c.from } : {}),
      ...(fields.has('username') && c.from.username ? { username: c.from.username } : {}),
      ...(fields.has(instagram ? 'timestamp' : 'created_time')
        ? { [instagram ? 'timestamp' : 'created_time']: graphTime(c.createdAt) }
        : {}),
    }));
    json(res, 200, edgePage(listed, url, `/${parentId}/${edge}`));
  }

  /**
   * GET /{inbox}/conversations?platform=…&user_id=…: the inbox's conversation with that person and its
   * latest messages both ways, newest first, as `fields=messages.limit(n){…}` expands them.
   */
  function listConversation(inbox: string, url: URL, res: ServerResponse) {
    const userId = url.searchParams.get('user_id');
    const platform = url.searchParams.get('platform') ?? 'messenger';
    const key = `${inbox}:${userId}`;
    if (!userId || !conversations.has(key)) return json(res, 200, { data: [] });
    const limit = Number(/messages\.limit\((\d+)\)/.exec(url.searchParams.get('fields') ?? '')?.[1] ?? '20');
    const messages = conversationLog
      .filter((m) => m.key === key)
      .reverse()
      .slice(0, limit);
    json(res, 200, {
      data: [
        {
          id: `t_${platform}_${inbox}_${userId}`,
          messages: {
            data: messages.map((m) => ({
              id: m.id,
              message: m.text,
              from: m.from,
              created_time: graphTime(m.createdAt),
            })),
          },
        },
      ],
    });
  }

  /** GET /{id}: an @mention by mentioned_comment, our Instagram account's username, or an Instagram comment. */
  function readNode(id: string, url: URL, res: ServerResponse) {
    const mentioned = /^mentioned_comment\.comment_id\(([^)]+)\)/.exec(url.searchParams.get('fields') ?? '');
    if (mentioned) {
      const found = comments.get(mentioned[1]!);
      if (!found) return json(res, 400, graphError('(#100) Invalid parameter', 100));
      return json(res, 200, {
        mentioned_comment: {
          id: found.id,
          text: found.message,
          timestamp: graphTime(found.createdAt),
          username: found.from.username,
          from: { id: found.from.id, username: found.from.username },
        },
        id,
      });
    }
    const username = options.instagramAccounts?.[id];
    if (username) return json(res, 200, { username, id });
    const comment = comments.get(id);
    if (!comment?.mediaId) return json(res, 400, graphError('(#100) Invalid parameter', 100));
    // Graph gives parent_id only on a reply to another comment.
    const parent = comments.get(comment.parentId)?.mediaId ? { parent_id: comment.parentId } : {};
    json(res, 200, { id, ...parent });
  }

  // The account a comment was left with: whoever published the post or media at the top of its thread.
  function ownerOf(comment: GraphComment): string | undefined {
    let top = comments.get(comment.parentId);
    while (top && comments.has(top.parentId)) top = comments.get(top.parentId);
    return top?.from.id;
  }

  // Graph takes an object parameter as JSON in a JSON body, or as a JSON string in a form body.
  function objectParam(value: unknown): Record<string, unknown> | undefined {
    if (typeof value === 'string') {
      try {
        return objectParam(JSON.parse(value));
      } catch {
        return undefined;
      }
    }
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  }

  const nonEmptyText = (text: unknown): text is string => typeof text === 'string' && text.trim().length > 0;
  const emptyText = (res: ServerResponse) =>
    json(res, 400, graphError('(#100) Param message[text] must be a non-empty UTF-8 encoded string', 100));
  /** Answers a text over Meta's length for the inbox; Messenger takes 2,000 characters, Instagram Direct 1,000. */
  function refusedAsTooLong(text: string, max: number, res: ServerResponse): boolean {
    if ([...text].length <= max) return false;
    json(
      res,
      400,
      graphError(`(#100) Length of param message[text] must be less than or equal to ${max}`, 100),
    );
    return true;
  }

  /** An answer in a customer's own conversation: only to someone who wrote, within 24 hours of it. */
  function directAnswer(
    path: string,
    sender: string,
    input: Record<string, unknown>,
    userId: unknown,
    res: ServerResponse,
  ) {
    const conversation = typeof userId === 'string' ? conversations.get(`${sender}:${userId}`) : undefined;
    if (!conversation) {
      return json(res, 400, graphError('(#100) No matching user found', 100, { error_subcode: 2018001 }));
    }
    if (conversation.network === 'facebook' && input.messaging_type === undefined) {
      return json(res, 400, graphError('(#100) The parameter messaging_type is required', 100));
    }
    const text = objectParam(input.message)?.text;
    if (!nonEmptyText(text)) return emptyText(res);
    if (refusedAsTooLong(text, conversation.network === 'instagram' ? 1000 : 2000, res)) return;
    if (now().getTime() - conversation.lastAt > 24 * 3600_000) {
      return json(
        res,
        400,
        graphError('(#10) This message is sent outside of allowed window.', 10, { error_subcode: 2018278 }),
      );
    }
    const sent = {
      path,
      commentId: undefined,
      recipientId: userId as string,
      messageId: `m_${newId()}`,
      text,
      senderId: sender,
      createdAt: now().toISOString(),
    };
    privateReplies.push(sent);
    const from = conversation.network === 'facebook' ? asPage(sender) : igAuthor(sender);
    conversationLog.push({
      key: `${sender}:${userId}`,
      id: sent.messageId,
      text,
      from,
      createdAt: sent.createdAt,
    });
    json(res, 200, { recipient_id: sent.recipientId, message_id: sent.messageId });
  }

  /** Messenger's (Facebook) or Instagram Direct's private reply to a comment on the sender's own post or media. */
  function privateReply(inbox: string, token: string, body: Buffer, res: ServerResponse) {
    const sender = inbox === 'me' ? options.pages?.[token] : inbox;
    if (!sender) {
      return json(
        res,
        400,
        graphError('An active access token must be used to query information about the current user.', 2500),
      );
    }
    const input = bodyJson(body);
    const userId = objectParam(input.recipient)?.id;
    if (userId !== undefined) return directAnswer(`/${inbox}/messages`, sender, input, userId, res);
    const commentId = objectParam(input.recipient)?.comment_id;
    const comment = typeof commentId === 'string' ? comments.get(commentId) : undefined;
    if (!comment || ownerOf(comment) !== sender) {
      return json(
        res,
        400,
        graphError('(#100) Invalid comment_id parameter', 100, { error_subcode: 2018292 }),
      );
    }
    const text = objectParam(input.message)?.text;
    if (!nonEmptyText(text)) return emptyText(res);
    if (refusedAsTooLong(text, comment.mediaId ? 1000 : 2000, res)) return;
    if (comment.from.id === sender || comment.from.id === igScopedId(sender)) {
      return json(res, 400, graphError('(#10) Cannot send a private reply to your own comment.', 10));
    }
    // Meta documents the rule, not the wording of its refusal; this one is ours.
    if (answeredPrivately.has(comment.id)) {
      return json(res, 400, graphError('(#10) A private reply has already been sent for this comment.', 10));
    }
    if (now().getTime() - new Date(comment.createdAt).getTime() > 7 * 24 * 3600_000) {
      return json(
        res,
        400,
        graphError('(#10) This message is sent outside of allowed window.', 10, { error_subcode: 2018278 }),
      );
    }
    answeredPrivately.add(comment.id);
    const sent = {
      path: `/${inbox}/messages`,
      commentId: comment.id,
      recipientId: comment.from.id,
      messageId: `m_${newId()}`,
      text,
      senderId: sender,
      createdAt: now().toISOString(),
    };
    privateReplies.push(sent);
    json(res, 200, { recipient_id: sent.recipientId, message_id: sent.messageId });
  }

  const server = await listen((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const token = tokenOf(req, url);
    if (!token || !options.tokens.includes(token) || expired) {
      return json(
        res,
        400,
        graphError('Error validating access token: Session has expired.', 190, { error_subcode: 463 }),
      );
    }
    if (throttle.count > 0) {
      throttle.count--;
      const usage = {
        standin: [
          {
            type: 'pages',
            call_count: 100,
            total_cputime: 10,
            total_time: 10,
            estimated_time_to_regain_access: throttle.minutes,
          },
        ],
      };
      return json(res, 400, graphError('(#32) Page request limit reached', throttle.code), {
        'x-business-use-case-usage': JSON.stringify(usage),
      });
    }
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    // Accept an optional version prefix (/v21.0/...), as the real host does.
    if (parts[0] && /^v\d+\.\d+$/.test(parts[0])) parts.shift();
    const [id, edge] = parts;
    if (req.method === 'POST' && id && edge === 'comments') {
      const page = options.pages?.[token];
      return reply(id, messageOf(body, url), `/${id}/comments`, page ? asPage(page) : { id: 'us' }, res);
    }
    if (req.method === 'POST' && id && edge === 'replies') {
      // An Instagram account replies on its own media, and a reply to a reply joins the top-level comment.
      const parent = comments.get(id);
      const above = parent && comments.get(parent.parentId);
      const threadTop = above?.mediaId ? above.id : id;
      const author = parent ? igAuthor(ownerOf(parent) ?? parent.from.id) : { id: 'us' };
      return reply(threadTop, messageOf(body, url), `/${id}/replies`, author, res);
    }
    if (req.method === 'GET' && id && (edge === 'comments' || edge === 'replies')) {
      return listComments(id, edge, url, res);
    }
    if (req.method === 'GET' && id && edge === 'conversations') {
      const inbox = id === 'me' ? options.pages?.[token] : id;
      if (!inbox) return json(res, 400, graphError('(#100) Unknown inbox', 100));
      return listConversation(inbox, url, res);
    }
    if (req.method === 'GET' && id === 'me' && !edge) {
      const page = options.pages?.[token];
      if (!page) return json(res, 400, graphError('(#100) Unknown user', 100));
      return json(res, 200, { id: page });
    }
    if (req.method === 'GET' && id && edge === 'subscribed_apps') {
      const fields = options.pageSubscriptions?.[id] ?? ['feed', 'messages'];
      const apps = fields.length > 0 ? [{ id: '1000', name: 'Firsthand', subscribed_fields: fields }] : [];
      return json(res, 200, { data: apps });
    }
    if (req.method === 'POST' && id && edge === 'messages') return privateReply(id, token, body, res);
    if (req.method === 'POST' && id && edge === 'mentions') {
      const input = bodyJson(body);
      const target = typeof input.comment_id === 'string' ? input.comment_id : '';
      const found = comments.get(target);
      if (!found || found.mediaId !== input.media_id) {
        return json(res, 400, graphError('(#100) Invalid media_id or comment_id', 100));
      }
      return reply(
        target,
        typeof input.message === 'string' ? input.message : undefined,
        `/${id}/mentions`,
        igAuthor(id),
        res,
      );
    }
    if (req.method === 'GET' && id && !edge && profiles.has(id)) {
      const profile = profiles.get(id)!;
      const asked = (url.searchParams.get('fields') ?? '').split(',').filter((f) => f in profile);
      return json(res, 200, { ...Object.fromEntries(asked.map((f) => [f, profile[f]])), id });
    }
    if (req.method === 'GET' && id && !edge) return readNode(id, url, res);
    json(res, 400, graphError(`Unknown path components: /${parts.join('/')}`, 2500));
  });

  return {
    ...server,
    graphUrl: `${server.url}/v21.0`,
    comments,
    posted,
    privateReplies,
    addPageComment({ pageId, postId, parentId, from, message }) {
      if (!comments.has(postId)) {
        comments.set(postId, {
          id: postId,
          parentId: pageId,
          message: 'our post',
          from: { id: pageId },
          createdAt: now().toISOString(),
        });
      }
      const id = `${postId.split('_')[1] ?? postId}_${newId()}`;
      const comment: GraphComment = {
        id,
        parentId: parentId ?? postId,
        message,
        from,
        createdAt: now().toISOString(),
      };
      comments.set(id, comment);
      const value = {
        from,
        post_id: postId,
        comment_id: id,
        parent_id: parentId ?? postId,
        created_time: epoch(),
        item: 'comment',
        verb: 'add',
        message,
      };
      return {
        comment,
        delivery: changeDelivery('page', pageId, 'feed', value),
      };
    },
    addVisitorPost({ pageId, from, message }) {
      const id = `${pageId}_${newId()}`;
      const post: GraphComment = { id, parentId: pageId, message, from, createdAt: now().toISOString() };
      comments.set(id, post);
      const value = {
        from,
        post_id: id,
        created_time: epoch(),
        item: 'status',
        verb: 'add',
        published: 1,
        message,
      };
      return {
        post,
        delivery: changeDelivery('page', pageId, 'feed', value),
      };
    },
    addIgComment({ igUserId, mediaId, parentId, from, text }) {
      if (!comments.has(mediaId)) {
        comments.set(mediaId, {
          id: mediaId,
          parentId: igUserId,
          message: 'our media',
          from: { id: igUserId },
          createdAt: now().toISOString(),
        });
      }
      const id = newId();
      const comment: GraphComment = {
        id,
        parentId: parentId ?? mediaId,
        message: text,
        from,
        createdAt: now().toISOString(),
        mediaId,
      };
      comments.set(id, comment);
      const value = {
        from,
        media: { id: mediaId, media_product_type: 'FEED' },
        id,
        ...(parentId ? { parent_id: parentId } : {}),
        text,
      };
      return {
        comment,
        delivery: changeDelivery('instagram', igUserId, 'comments', value),
      };
    },
    addIgMention({ igUserId, mediaId, from, text }) {
      const id = newId();
      const comment: GraphComment = {
        id,
        parentId: mediaId,
        message: text,
        from,
        createdAt: now().toISOString(),
        mediaId,
      };
      comments.set(id, comment);
      const value = { media_id: mediaId, comment_id: id };
      return {
        comment,
        delivery: changeDelivery('instagram', igUserId, 'mentions', value),
      };
    },
    addDirectMessage({ network, inboxId, from, text, attachments }) {
      const [first, ...rest] = (from.name ?? '').split(' ');
      profiles.set(
        from.id,
        network === 'facebook'
          ? { ...(first ? { first_name: first } : {}), ...(rest.length ? { last_name: rest.join(' ') } : {}) }
          : {
              username: from.username ?? `user${from.id}`,
              ...(from.name ? { name: from.name } : {}),
              ...(from.followers !== undefined ? { follower_count: from.followers } : {}),
            },
      );
      const at = now().getTime();
      conversations.set(`${inboxId}:${from.id}`, { network, lastAt: at });
      const mid = `m_${newId()}`;
      const author =
        network === 'facebook' ? { id: from.id, name: from.name } : { id: from.id, username: from.username };
      conversationLog.push({
        key: `${inboxId}:${from.id}`,
        id: mid,
        text: text ?? '',
        from: author,
        createdAt: new Date(at).toISOString(),
      });
      const message = {
        mid,
        ...(text !== undefined ? { text } : {}),
        ...(attachments
          ? {
              attachments: attachments.map((type) => ({
                type,
                payload: { url: 'https://lookaside.standin/1' },
              })),
            }
          : {}),
      };
      return {
        mid,
        delivery: {
          object: network === 'facebook' ? 'page' : 'instagram',
          entry: [
            {
              id: inboxId,
              time: at,
              messaging: [{ sender: { id: from.id }, recipient: { id: inboxId }, timestamp: at, message }],
            },
          ],
        },
      };
    },
    throttleNext(count, code = 32, minutesToRegain = 5) {
      Object.assign(throttle, { count, code, minutes: minutesToRegain });
    },
    expireToken() {
      expired = true;
    },
    reviveToken() {
      expired = false;
    },
  };
}
