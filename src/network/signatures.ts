import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, computed the way each sender documents them. Pure, so
 * the test vectors of platform-facts B9 run against the very code the
 * endpoints use. Every comparison is constant-time over equal-length digests.
 */
const hmac = (secret: string, payload: Buffer | string) => createHmac('sha256', secret).update(payload);

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a well-formed signature is public anyway.
  return a.length === b.length && timingSafeEqual(a, b);
}

/** X's CRC answer: `sha256=` + base64 HMAC of the crc_token under the consumer secret. */
export const xCrcResponseToken = (consumerSecret: string, crcToken: string) =>
  `sha256=${hmac(consumerSecret, crcToken).digest('base64')}`;

export const xSignature = (consumerSecret: string, rawBody: Buffer | string) =>
  `sha256=${hmac(consumerSecret, rawBody).digest('base64')}`;

export const verifyXSignature = (consumerSecret: string, rawBody: Buffer, header: string | undefined) =>
  typeof header === 'string' && sameText(header, xSignature(consumerSecret, rawBody));

/** Meta signs the raw bytes as delivered (escaped unicode); never re-serialised JSON. */
export const metaSignature = (appSecret: string, rawBody: Buffer | string) =>
  `sha256=${hmac(appSecret, rawBody).digest('hex')}`;

export const verifyMetaSignature = (appSecret: string, rawBody: Buffer, header: string | undefined) =>
  typeof header === 'string' && sameText(header.toLowerCase(), metaSignature(appSecret, rawBody));

/** Headers of the generic webhook, inbound and outbound alike. */
export const GENERIC_SIGNATURE_HEADER = 'x-firsthand-signature';
export const GENERIC_TIMESTAMP_HEADER = 'x-firsthand-timestamp';
export const GENERIC_REPLAY_WINDOW_SECONDS = 5 * 60;

/** `sha256=` + hex HMAC of `${timestamp}.${rawBody}`: the timestamp is signed so it cannot be swapped. */
export function genericSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`);
  return `sha256=${mac.update(rawBody).digest('hex')}`;
}

export type GenericVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Accepts a request signed with the secret whose timestamp (Unix seconds) is
 * within five minutes either way of now; a captured request replayed later,
 * or one stamped far ahead to outlive the window, is refused.
 */
export function verifyGenericSignature(
  secret: string,
  rawBody: Buffer,
  timestamp: string | undefined,
  signature: string | undefined,
  now: Date,
): GenericVerdict {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: `${GENERIC_TIMESTAMP_HEADER} must be Unix seconds` };
  }
  const age = Math.floor(now.getTime() / 1000) - Number(timestamp);
  if (Math.abs(age) > GENERIC_REPLAY_WINDOW_SECONDS) {
    return { ok: false, reason: `${GENERIC_TIMESTAMP_HEADER} is outside the 5-minute window` };
  }
  if (!signature || !sameText(signature.toLowerCase(), genericSignature(secret, timestamp, rawBody))) {
    return { ok: false, reason: `${GENERIC_SIGNATURE_HEADER} does not match` };
  }
  return { ok: true };
}
