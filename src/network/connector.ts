import { AppError } from '../contract/errors.js';
import { type Mention, NETWORK_NAMES, type Network } from '../contract/mention.js';

/** What a reply is threaded to, as the network knows it. */
export interface ReplyTarget {
  externalId: string;
  /** The customer's id on the network, which a direct message is addressed to. */
  authorId: string;
  authorHandle: string;
  url: string | null;
  /** A direct message is answered in the customer's own conversation, wherever `visibility` says. */
  kind?: string | null;
  /** What the customer's post itself answers (a comment's parent), where the network threads replies there. */
  inReplyTo?: string | null;
}

export interface ReplyRequest {
  target: ReplyTarget;
  text: string;
  /** Stable per reply, so a retried post is not published twice where the network honours it. */
  idempotencyKey: string;
  /** Public unless said otherwise; 'private' only where allowsPrivateReply(mention) is true. */
  visibility?: 'public' | 'private';
  /** An earlier attempt may have gone out, though findEarlierReply did not find it. */
  retrying?: boolean;
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
 * A retry that cannot tell whether its last attempt went out (the network shows no way to read it
 * back, or more was written since than it shows). It fails for good and asks the writer to look,
 * rather than risk publishing the reply twice.
 */
export function unconfirmedReply(network: Network, why: string): AppError {
  const name = NETWORK_NAMES[network];
  return new AppError(
    `${network}.reply_unconfirmed`,
    `${name} did not confirm the last attempt and ${why}, so it may have gone out: check on ${name} before sending it again.`,
  );
}

/** How a failed reply's writer is told of it: unconfirmedReply's may have gone out; any other did not. */
export const notPostedWords = (code: unknown): string =>
  typeof code === 'string' && code.endsWith('.reply_unconfirmed')
    ? 'may not have been posted'
    : 'was not posted';

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

/** A connector that can be asked for new mentions rather than waiting for a webhook. */
export type Pollable = NetworkConnector & { poll(cursor: string | undefined): Promise<PollResult> };
