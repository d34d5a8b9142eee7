import { decodeHTML } from 'entities';

const LINK = /https?:\/\/\S+/g;

/** A text as networks give it back: entities decoded, links left out (X shortens every one), spacing collapsed. */
function comparable(text: string): string {
  return decodeHTML(text).normalize('NFC').replace(LINK, ' ').replace(/\s+/g, ' ').trim();
}

/** Whether a post the network shows carries the text we sent. */
export function isSameReplyText(shown: string, sent: string): boolean {
  return comparable(shown) === comparable(sent);
}
