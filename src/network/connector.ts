import type { Mention, Network } from '../contract/mention.js';

/** What a reply is threaded to, as the network knows it. */
export interface ReplyTarget {
  externalId: string;
  /** The customer's id on the network, which a direct message is addressed to. */
  authorId: string;
  authorHandle: string;
  url: string | null;
  /** A direct message is answered in the customer's own conversation, wherever `visibility` says. */
  kind?: string | null;
}

export interface ReplyRequest {
  target: ReplyTarget;
  text: string;
  /** Stable per reply, so a retried post is not published twice where the network honours it. */
  idempotencyKey: string;
  /** Public unless said otherwise; 'private' only where allowsPrivateReply(mention) is true. */
  visibility?: 'public' | 'private';
}

export interface ReplyResult {
  externalId: string;
  url: string | undefined;
}

export interface PollResult {
  mentions: Mention[];
  /** The position to resume from next time; undefined when nothing new arrived. */
  cursor: string | undefined;
}

/**
 * The failure of a retry that could not tell whether its last attempt went out (`<network>.reply_unconfirmed`):
 * the writer is asked to look rather than told it was not posted.
 */
export const isUnconfirmedReply = (code: unknown): boolean =>
  typeof code === 'string' && code.endsWith('.reply_unconfirmed');

/** One adapter per network: how mentions come in, how replies go out. */
export interface NetworkConnector {
  readonly network: Network;
  reply(request: ReplyRequest): Promise<ReplyResult>;
  /**
   * Looks for a reply an earlier attempt published although no answer came back (a timeout, an error
   * after the write, a crash before recording it), so that the retry records it instead of posting it
   * twice. `since` is when that attempt began; `skip` holds the ids of other replies to the same
   * mention, which may read alike. Absent where the network itself drops a retry by our
   * idempotency key (Mastodon, the generic webhook).
   */
  findEarlierReply?(
    request: ReplyRequest,
    since: Date,
    skip: ReadonlySet<string>,
  ): Promise<ReplyResult | undefined>;
  poll?(cursor: string | undefined): Promise<PollResult>;
}
