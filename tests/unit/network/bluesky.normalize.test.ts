import { describe, expect, it } from 'vitest';
import { MentionSchema } from '../../../src/contract/mention.js';
import { normalizeNotification, postUrl, replyRefs } from '../../../src/network/bluesky/normalize.js';

const root = {
  uri: 'at://did:plc:4a2b/app.bsky.feed.post/3k43tv4rft22g',
  cid: 'bafyreig2fjxi3rptqdgylg7e5hmjl6mcke7rn2b6cugzlqq3i4zu6rq52q',
};
const notification = (reason: string, record: unknown) => ({
  uri: 'at://did:plc:cust/app.bsky.feed.post/3k4duaz5vfs2b',
  cid: 'bafyreibjifzpqj6o6wcq3hejh7y4z4z2vmiklkvykc57tw3pcbx3kxifpm',
  author: { did: 'did:plc:cust', handle: 'sam.bsky.social', displayName: 'Sam' },
  reason,
  record,
  isRead: false,
  indexedAt: '2023-08-07T05:49:41.000Z',
});

describe('Bluesky notification normalization', () => {
  it('turns a mention into the contract with a bsky.app link', () => {
    const mention = normalizeNotification(
      notification('mention', {
        text: '@firsthand.bsky.social hi',
        createdAt: '2023-08-07T05:49:40.501974Z',
      }),
      'firsthand.bsky.social',
    );
    expect(mention).toEqual({
      network: 'bluesky',
      externalId: 'at://did:plc:cust/app.bsky.feed.post/3k4duaz5vfs2b',
      account: 'firsthand.bsky.social',
      author: { id: 'did:plc:cust', handle: 'sam.bsky.social', name: 'Sam' },
      text: '@firsthand.bsky.social hi',
      url: 'https://bsky.app/profile/sam.bsky.social/post/3k4duaz5vfs2b',
      inReplyTo: undefined,
      kind: 'mention',
      createdAt: '2023-08-07T05:49:40.501Z',
    });
    expect(MentionSchema.safeParse(mention).success).toBe(true);
  });

  it('threads a reply to its parent post', () => {
    const parent = { uri: 'at://did:plc:us/app.bsky.feed.post/3k43tv4rft33g', cid: root.cid };
    const mention = normalizeNotification(
      notification('reply', { text: 'yes', createdAt: '2023-08-07T05:49:40Z', reply: { root, parent } }),
      'me',
    );
    expect(mention).toMatchObject({ inReplyTo: parent.uri, kind: 'reply' });
  });

  it('ignores likes, follows and records that are not posts', () => {
    expect(
      normalizeNotification(notification('like', { subject: root, createdAt: '2023-08-07T05:49:40Z' }), 'me'),
    ).toBeUndefined();
    expect(normalizeNotification(notification('mention', { subject: root }), 'me')).toBeUndefined();
  });
});

describe('Bluesky reply references', () => {
  it('uses the parent as root when the parent starts the thread', () => {
    const parent = { ...root, record: { text: 'first' } };
    expect(replyRefs(parent)).toEqual({ root, parent: root });
  });

  it('keeps the thread root when the parent is itself a reply', () => {
    const parentRef = { uri: 'at://did:plc:cust/app.bsky.feed.post/3k4duaz5vfs2b', cid: 'bafyparent' };
    const parent = { ...parentRef, record: { text: 'reply', reply: { root, parent: root } } };
    expect(replyRefs(parent)).toEqual({ root, parent: parentRef });
  });

  it('builds links only for post uris', () => {
    expect(postUrl('a.bsky.social', 'at://did:plc:x/app.bsky.feed.like/abc')).toBeUndefined();
  });
});
