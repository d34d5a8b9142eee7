import { describe, expect, it } from 'vitest';
import {
  genericSignature,
  metaSignature,
  verifyGenericSignature,
  verifyMetaSignature,
  verifyXSignature,
  xCrcResponseToken,
  xSignature,
} from '../../../src/network/signatures.js';

// Vectors from platform-facts B9: exact bytes, no trailing newline.
describe('X webhook signatures', () => {
  it('answers the CRC challenge with the documented response token', () => {
    expect(xCrcResponseToken('test_consumer_secret', 'challenge_string')).toBe(
      'sha256=583uAmerwtjpykYEAEm+CEIRm6dOywK4QKRr0ha/Pd4=',
    );
  });

  it('signs a raw body as the vector shows and verifies it', () => {
    const body = Buffer.from('{"for_user_id":"2244994945","tweet_create_events":[]}');
    const expected = 'sha256=Lss4bxd6weR99So6MmhnJFpNn8h7oFFhZH5um9Z5oF4=';
    expect(xSignature('test_consumer_secret', body)).toBe(expected);
    expect(verifyXSignature('test_consumer_secret', body, expected)).toBe(true);
  });

  it('refuses a body changed by one byte, a wrong secret and a missing header', () => {
    const body = Buffer.from('{"for_user_id":"2244994945","tweet_create_events":[]}');
    const signature = 'sha256=Lss4bxd6weR99So6MmhnJFpNn8h7oFFhZH5um9Z5oF4=';
    expect(verifyXSignature('test_consumer_secret', Buffer.from(`${body} `), signature)).toBe(false);
    expect(verifyXSignature('other_secret', body, signature)).toBe(false);
    expect(verifyXSignature('test_consumer_secret', body, undefined)).toBe(false);
    expect(verifyXSignature('test_consumer_secret', body, 'sha256=short')).toBe(false);
  });
});

describe('Meta webhook signatures', () => {
  const body = Buffer.from('{"object":"page","entry":[]}');
  const expected = 'sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf';

  it('signs the raw bytes as the vector shows', () => {
    expect(metaSignature('test_app_secret', body)).toBe(expected);
    expect(verifyMetaSignature('test_app_secret', body, expected)).toBe(true);
  });

  it('refuses re-serialised JSON whose bytes differ from what was signed', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 1));
    expect(verifyMetaSignature('test_app_secret', reserialised, expected)).toBe(false);
    expect(verifyMetaSignature('test_app_secret', body, expected.replace('sha256=', 'sha1='))).toBe(false);
  });
});

describe('generic webhook signatures', () => {
  const secret = 'generic-secret-0123456789';
  const body = Buffer.from('{"id":"r-1"}');
  const now = new Date('2026-11-22T10:00:00Z');
  const ts = String(now.getTime() / 1000);

  it('signs the timestamp and the body together', () => {
    // Computed independently: HMAC-SHA256(secret, "1795341600.{\"id\":\"r-1\"}").
    expect(genericSignature(secret, ts, body)).toBe(
      'sha256=8c7797c8fe64142adfa424a916ccf4f2ccc1143fe5c5089561b31dd2be05de34',
    );
    expect(genericSignature(secret, ts, body)).not.toBe(
      genericSignature(secret, String(Number(ts) + 1), body),
    );
    expect(verifyGenericSignature(secret, body, ts, genericSignature(secret, ts, body), now)).toEqual({
      ok: true,
    });
  });

  it('refuses a stale or far-future timestamp even with a valid signature', () => {
    const stale = String(Number(ts) - 301);
    const future = String(Number(ts) + 301);
    expect(verifyGenericSignature(secret, body, stale, genericSignature(secret, stale, body), now).ok).toBe(
      false,
    );
    expect(verifyGenericSignature(secret, body, future, genericSignature(secret, future, body), now).ok).toBe(
      false,
    );
    const edge = String(Number(ts) - 300);
    expect(verifyGenericSignature(secret, body, edge, genericSignature(secret, edge, body), now).ok).toBe(
      true,
    );
  });

  it('refuses a signature moved onto another timestamp', () => {
    const other = String(Number(ts) - 10);
    const result = verifyGenericSignature(secret, body, other, genericSignature(secret, ts, body), now);
    expect(result).toEqual({ ok: false, reason: 'x-firsthand-signature does not match' });
    expect(verifyGenericSignature(secret, body, 'soon', 'sha256=00', now).ok).toBe(false);
  });
});
