import { ErrorCode, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDigestChart } from '../../src/bot/digest/chart.js';
import { slackFailure } from '../../src/bot/slack-errors.js';
import { slackTransport } from '../../src/bot/slack-transport.js';
import { uploadFile } from '../../src/bot/slack-upload.js';
import { type SlackStandin, startSlackStandin } from '../standins/slack.standin.js';

const TOKEN = 'xoxb-upload';
const client = (slack: SlackStandin, token = TOKEN) =>
  new WebClient(token, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    fetch: slackTransport(),
  });

const chart = () =>
  renderDigestChart({
    title: 'Week of 30 Nov – 6 Dec 2026',
    days: [{ label: 'Mon 30', opened: 3, medianMinutes: 12, p90Minutes: 40 }],
    load: [{ person: 'Sam', kind: 'closed', count: 3 }],
  });

describe('uploading a file to Slack', () => {
  let slack: SlackStandin;
  beforeAll(async () => {
    slack = await startSlackStandin({ token: TOKEN, channelMembers: { C0NOTIN: ['U0SOMEONE'] } });
  });
  afterAll(() => slack.close());

  it('reserves, sends and shares the digest chart, which arrives as the same PNG', async () => {
    const png = await chart();
    const uploaded = await uploadFile(client(slack), {
      channel: 'D0OWNER',
      bytes: png,
      filename: 'firsthand-digest-2026-11-30.png',
      title: 'Weekly digest 30 Nov – 6 Dec 2026',
      initialComment: 'Your week: 11 opened, 3 answered',
      altText: 'Response times by day and load by person',
    });
    const stored = slack.files.get(uploaded.fileId);
    expect(stored).toMatchObject({
      filename: 'firsthand-digest-2026-11-30.png',
      title: 'Weekly digest 30 Nov – 6 Dec 2026',
      channel: 'D0OWNER',
      initialComment: 'Your week: 11 opened, 3 answered',
      altText: 'Response times by day and load by person',
      length: png.length,
      completed: true,
    });
    expect([...(stored?.bytes ?? Buffer.alloc(0)).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(stored?.bytes?.equals(png)).toBe(true);
    const reserve = slack.callsTo('files.getUploadURLExternal').at(-1);
    expect(reserve?.params).toMatchObject({
      filename: 'firsthand-digest-2026-11-30.png',
      length: String(png.length),
    });
    const shared = [...slack.messages.values()].find((m) => m.files?.includes(uploaded.fileId));
    expect(shared).toMatchObject({ channel: 'D0OWNER', text: 'Your week: 11 opened, 3 answered' });
  });

  it('shares into a thread when given its ts', async () => {
    const uploaded = await uploadFile(client(slack), {
      channel: 'C0DIGEST',
      bytes: Buffer.from('not really a png'),
      filename: 'a.txt',
      title: 'a',
      threadTs: '1700000000.000100',
    });
    expect(slack.files.get(uploaded.fileId)).toMatchObject({
      channel: 'C0DIGEST',
      threadTs: '1700000000.000100',
    });
  });

  it('reports Slack’s refusals as the client’s platform errors', async () => {
    const empty = await uploadFile(client(slack), {
      channel: 'C1',
      bytes: Buffer.alloc(0),
      filename: 'e.png',
      title: 'e',
    }).catch((e) => e);
    expect(empty.code).toBe(ErrorCode.PlatformError);
    expect(empty.data.error).toBe('missing_argument');

    const outsider = await uploadFile(client(slack), {
      channel: 'C0NOTIN',
      bytes: Buffer.from('x'),
      filename: 'x.png',
      title: 'x',
    }).catch((e) => e);
    expect(slackFailure(outsider).code).toBe('slack.not_in_channel');
  });

  it('gives up retryably when the bytes never reach Slack, having shared nothing', async () => {
    slack.loseAnswers('POST', '/upload/', 1);
    const before = slack.callsTo('files.completeUploadExternal').length;
    const error = await uploadFile(client(slack), {
      channel: 'C1',
      bytes: Buffer.from('x'),
      filename: 'x.png',
      title: 'x',
    }).catch((e) => e);
    expect(error).toMatchObject({ code: 'slack.upload_failed', retryable: true });
    expect(slack.callsTo('files.completeUploadExternal')).toHaveLength(before);
  });

  it('fails without the files:write scope, as an app installed from an older manifest would', async () => {
    const old = await startSlackStandin({ token: TOKEN, missingScopes: ['files:write'] });
    try {
      const error = await uploadFile(client(old), {
        channel: 'C1',
        bytes: Buffer.from('x'),
        filename: 'x.png',
        title: 'x',
      }).catch((e) => e);
      expect(error.data).toMatchObject({ error: 'missing_scope', needed: 'files:write' });
    } finally {
      await old.close();
    }
  });
});

describe('the stand-in’s upload flow, called by hand', () => {
  let slack: SlackStandin;
  let web: WebClient;
  beforeAll(async () => {
    slack = await startSlackStandin({ token: TOKEN });
    web = client(slack);
  });
  afterAll(() => slack.close());

  it('asks for a filename and a length', async () => {
    const error = await web.apiCall('files.getUploadURLExternal', { length: 3 }).catch((e) => e);
    expect(error.data.error).toBe('invalid_arguments');
  });

  it('refuses bytes of another length than reserved, and completing a file never sent', async () => {
    const reserved = await web.files.getUploadURLExternal({ filename: 'a.png', length: 10 });
    const sent = await fetch(reserved.upload_url!, { method: 'POST', body: Buffer.from('too short') });
    expect(sent.status).toBe(400);
    const error = await web.files
      .completeUploadExternal({ files: [{ id: reserved.file_id! }], channel_id: 'C1' })
      .catch((e) => e);
    expect(error.data.error).toBe('file_not_found');
  });

  it('takes a multipart form as well as raw bytes, and completes a file only once', async () => {
    const reserved = await web.files.getUploadURLExternal({ filename: 'a.txt', length: 5 });
    const form = new FormData();
    form.append('file', new Blob(['hello']), 'a.txt');
    const sent = await fetch(reserved.upload_url!, { method: 'POST', body: form });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toBe('OK - 5');
    const files: [{ id: string; title: string }] = [{ id: reserved.file_id!, title: 'A' }];
    const done = await web.files.completeUploadExternal({ files, channel_id: 'C1' });
    expect(done.files?.[0]).toMatchObject({ id: reserved.file_id, title: 'A' });
    expect(slack.files.get(reserved.file_id!)?.bytes?.toString()).toBe('hello');
    const again = await web.files.completeUploadExternal({ files, channel_id: 'C1' }).catch((e) => e);
    expect(again.data.error).toBe('file_not_found');
  });

  it('asks for the files to complete', async () => {
    const error = await web.apiCall('files.completeUploadExternal', { channel_id: 'C1' }).catch((e) => e);
    expect(error.data.error).toBe('invalid_arguments');
  });
});
