import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../contract/mention.js';
import { BodyTooLargeError, readBody, sendJson, sendTooLarge } from '../http-server.js';
import { acceptMentions, type IngestDeps } from './accept-mentions.js';

export type WebhookDeps = IngestDeps;

/** Reads the raw bytes a signature covers; an oversized body is answered here and yields undefined. */
export async function readRaw(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  try {
    return await readBody(req, 1024 * 1024);
  } catch (error) {
    if (error instanceof BodyTooLargeError) sendTooLarge(res, error);
    else throw error;
    return undefined;
  }
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** JSON, then the network's envelope schema; the error names the first bad field. */
export function parseEnvelope<S extends z.ZodType>(raw: Buffer, schema: S): Parsed<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, error: 'body is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: describeIssues(parsed.error) };
}

/**
 * The last gate before storage: every normalized mention must satisfy the
 * contract, or none is stored, so a half-valid delivery never reaches the
 * queue. Stored before the 200, so an acknowledged event is never lost.
 */
export async function storeThenAnswer(
  deps: WebhookDeps,
  res: ServerResponse,
  mentions: Mention[],
  source: string,
): Promise<void> {
  const checked = z.array(MentionSchema).safeParse(mentions);
  if (!checked.success) {
    return sendJson(res, 400, { error: describeIssues(checked.error, 'mention') });
  }
  const result = checked.data.length > 0 ? await acceptMentions(deps, checked.data, source) : undefined;
  sendJson(res, 200, result ?? { accepted: 0, duplicate: 0 });
}

export function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://local').searchParams;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
