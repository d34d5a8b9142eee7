import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  blockKitLinks,
  README_MARKERS,
  SAMPLE_CARD,
  SAMPLE_HOME,
  sampleSurfaces,
  withLinks,
} from '../../../scripts/block-kit-links.js';
import { BLOCK_KIT_BUILDER, decodeBlockKitBuilderUrl } from '../../../scripts/lib/block-kit-builder.js';
import { conversationMessage } from '../../../src/bot/blocks.js';
import { homeView } from '../../../src/bot/home-view.js';
import { blockKitProblems, viewProblems } from '../../standins/slack.standin.js';

/** The URLs of the script's Markdown output, in order. */
const urlsOf = (markdown: string) => [...markdown.matchAll(/\]\((https:[^)\s]+)\)/g)].map((m) => m[1]!);

describe('npm run docs:block-kit', () => {
  const urls = urlsOf(blockKitLinks());

  it('prints one Block Kit Builder URL for the card, the reply modal and App Home', () => {
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      expect(url.startsWith(BLOCK_KIT_BUILDER)).toBe(true);
      // A fragment the Builder can read: URL-encoded, with no space, quote or parenthesis to break the link.
      expect(url.slice(BLOCK_KIT_BUILDER.length)).toMatch(/^[A-Za-z0-9%\-_.~]+$/);
    }
  });

  it("loads the card's blocks exactly as the card builder returns them", () => {
    expect(decodeBlockKitBuilderUrl(urls[0]!)).toEqual({ blocks: conversationMessage(SAMPLE_CARD).blocks });
  });

  it('loads the reply modal and App Home as their builders return them', () => {
    const [, modal] = sampleSurfaces();
    const decodedModal = decodeBlockKitBuilderUrl(urls[1]!);
    expect(decodedModal).toEqual(modal!.payload);
    expect(decodedModal).toMatchObject({ type: 'modal', callback_id: 'fh.reply_modal' });
    expect(decodeBlockKitBuilderUrl(urls[2]!)).toEqual(homeView(SAMPLE_HOME));
  });

  it('holds only Block Kit that Slack accepts', () => {
    const [card, modal, home] = urls.map(decodeBlockKitBuilderUrl);
    expect(blockKitProblems((card as { blocks: unknown }).blocks, 50)).toEqual([]);
    expect(viewProblems(modal as Record<string, unknown>)).toEqual([]);
    expect(viewProblems(home as Record<string, unknown>)).toEqual([]);
  });

  it('is what the README links to (run `npm run docs:block-kit -- --write` after changing a builder)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(README_MARKERS.start);
    expect(withLinks(readme, blockKitLinks())).toBe(readme);
  });
});
