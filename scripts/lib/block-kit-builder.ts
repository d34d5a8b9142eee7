import type { KnownBlock, View } from '@slack/types';

/**
 * Links to Slack's Block Kit Builder, loaded with a surface's JSON: a message
 * as `{"blocks":[...]}`, a view (modal, App Home) as the view itself. The
 * Builder reads its payload from the URL's fragment, URL-encoded.
 */
export const BLOCK_KIT_BUILDER = 'https://app.slack.com/block-kit-builder/#';

export type BuilderPayload = { blocks: KnownBlock[] } | View;

export function blockKitBuilderUrl(payload: BuilderPayload): string {
  // A message's notification `text` is not part of the Builder's payload: only its blocks are.
  const json = 'type' in payload ? payload : { blocks: payload.blocks };
  return BLOCK_KIT_BUILDER + strictlyEncoded(JSON.stringify(json));
}

/** encodeURIComponent, and the characters it leaves that would end a Markdown link, such as `)`. */
const strictlyEncoded = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The payload a Builder URL carries; throws when the URL is not one. */
export function decodeBlockKitBuilderUrl(url: string): BuilderPayload {
  if (!url.startsWith(BLOCK_KIT_BUILDER)) throw new Error(`not a Block Kit Builder URL: ${url.slice(0, 80)}`);
  return JSON.parse(decodeURIComponent(url.slice(BLOCK_KIT_BUILDER.length))) as BuilderPayload;
}
