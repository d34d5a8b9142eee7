/**
 * One Slack Web API call by plain HTTP, for the operator tools (doctor,
 * team:init): no queueing, a 429 waited out a few times (a large channel
 * means many users.info calls), and the `x-oauth-scopes` header, where Slack
 * names the token's granted scopes, kept.
 */
export interface SlackAnswer {
  body: { ok: boolean; error?: string; needed?: string; [key: string]: unknown };
  /** The token's scopes, from x-oauth-scopes; undefined when Slack did not say. */
  scopes: string[] | undefined;
}

export type SlackWebCall = (method: string, params?: Record<string, string>) => Promise<SlackAnswer>;

/** How often a call answered 429 is tried again, after the Retry-After Slack names (capped). */
const RATE_LIMIT_RETRIES = 3;
const MAX_WAIT_SECONDS = 60;

export function slackWebCall(apiUrl: string, token: string, timeoutMs = 10_000): SlackWebCall {
  return async (method, params = {}) => {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(new URL(method, apiUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 429) {
        await response.body?.cancel();
        if (attempt >= RATE_LIMIT_RETRIES)
          return { body: { ok: false, error: 'ratelimited' }, scopes: undefined };
        const seconds = Math.min(Number(response.headers.get('retry-after')) || 1, MAX_WAIT_SECONDS);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      const body = (await response.json()) as SlackAnswer['body'];
      const header = response.headers.get('x-oauth-scopes');
      const scopes =
        header === null
          ? undefined
          : header
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
      return { body, scopes };
    }
  };
}
