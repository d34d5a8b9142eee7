import type { WebClient } from '@slack/web-api';
import { fetch } from 'undici';
import { AppError } from '../contract/errors.js';
import { SLACK_CALL_TIMEOUT_MS } from './slack-transport.js';

export interface UploadInput {
  channel: string;
  bytes: Uint8Array;
  filename: string;
  title: string;
  /** The message that introduces the file; without it the file is shared alone. */
  initialComment?: string;
  /** Shares the file as a reply in this thread (the parent's ts). */
  threadTs?: string;
  /** Read aloud by screen readers in place of the image. */
  altText?: string;
}

export interface UploadedFile {
  fileId: string;
  title: string | undefined;
}

/**
 * Slack's external upload: reserve the file and its exact length
 * (files.getUploadURLExternal), send the bytes to the URL it gives, then
 * share it (files.completeUploadExternal). The reservation is for exactly
 * `length` bytes, so the length is taken from the bytes sent, never passed
 * in. Platform errors from either call surface as the WebClient's errors;
 * a refused upload POST is a retryable `slack.upload_failed`, since
 * starting again reserves a new file and nothing was shared yet.
 */
export async function uploadFile(slack: WebClient, input: UploadInput): Promise<UploadedFile> {
  const reserved = await slack.files.getUploadURLExternal({
    filename: input.filename,
    length: input.bytes.byteLength,
    ...(input.altText ? { alt_text: input.altText } : {}),
  });
  const { upload_url: uploadUrl, file_id: fileId } = reserved;
  if (!uploadUrl || !fileId) {
    throw new AppError(
      'slack.upload_failed',
      'files.getUploadURLExternal gave no upload_url or file_id',
      true,
    );
  }

  let status: number;
  try {
    const answer = await fetch(uploadUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: input.bytes,
      signal: AbortSignal.timeout(SLACK_CALL_TIMEOUT_MS),
    });
    status = answer.status;
    await answer.body?.cancel();
  } catch (error) {
    throw new AppError('slack.upload_failed', `sending ${input.filename} to Slack failed`, true, {
      cause: error,
    });
  }
  if (status !== 200) {
    throw new AppError(
      'slack.upload_failed',
      `Slack refused the bytes of ${input.filename} (HTTP ${status})`,
      true,
    );
  }

  const completed = await slack.files.completeUploadExternal({
    files: [{ id: fileId, title: input.title }],
    channel_id: input.channel,
    ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    ...(input.initialComment ? { initial_comment: input.initialComment } : {}),
  } as Parameters<WebClient['files']['completeUploadExternal']>[0]);
  const file = completed.files?.[0];
  return { fileId: file?.id ?? fileId, title: file?.title ?? input.title };
}
