import { decodeHTML } from 'entities';
import type { ReplyRequest } from './connector.js';

const LINK = /https?:\/\/\S+/g;

/** A text as networks give it back: entities decoded, links left out (X shortens every one), spacing collapsed. */
function comparable(text: string): string {
  return decodeHTML(text).normalize('NFC').replace(LINK, ' ').replace(/\s+/g, ' ').trim();
}

/** Whether a post the network shows carries the text we sent. */
function isSameReplyText(shown: string, sent: string): boolean {
  return comparable(shown) === comparable(sent);
}

/** A post, comment or message read back: who wrote it (as `EarlierLookup.us` names us), what it says, when. */
export interface Written {
  id: string;
  author: string | undefined;
  text: string;
  /** Epoch milliseconds; NaN when the network gave no time, which never counts as since the attempt. */
  at: number;
}

/** What a retry looks for: the reply, written by `us`, since `since`, and none of `skip`. */
export interface EarlierLookup {
  us: string;
  request: ReplyRequest;
  since: Date;
  skip: ReadonlySet<string>;
}

/** Whether `written` is the reply an earlier attempt published. */
export function isEarlierReply(written: Written, { us, request, since, skip }: EarlierLookup): boolean {
  return (
    written.author === us &&
    !skip.has(written.id) &&
    written.at >= since.getTime() &&
    isSameReplyText(written.text, request.text)
  );
}
