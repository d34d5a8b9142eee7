import { AppError } from '../contract/errors.js';

/**
 * Turns a network's HTTP failure into the error family: 429 and 5xx are
 * retried (after the network's own reset time when it gives one), anything
 * else is a permanent refusal that retrying cannot fix.
 */
export function httpFailure(
  network: string,
  status: number,
  body: string,
  retryAt: Date | undefined,
): AppError {
  const snippet = body.slice(0, 300);
  if (status === 429) {
    const error = new AppError(`${network}.rate_limited`, `${network} rate limit reached: ${snippet}`, true);
    return Object.assign(error, { retryAt });
  }
  if (status >= 500)
    return new AppError(`${network}.unavailable`, `${network} answered ${status}: ${snippet}`, true);
  if (status === 401 || status === 403) {
    return new AppError(
      `${network}.unauthorized`,
      `${network} refused our credentials (${status}): ${snippet}`,
    );
  }
  return new AppError(`${network}.rejected`, `${network} refused the request (${status}): ${snippet}`);
}

/**
 * One call to a network's API under our bearer token. A network that cannot
 * be reached at all is a retried failure; what it answers is the caller's to read.
 */
export async function fetchWithToken(
  network: string,
  doFetch: typeof fetch,
  base: string,
  path: string,
  token: string,
  init: RequestInit = {},
): Promise<Response> {
  try {
    return await doFetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
    });
  } catch (error) {
    throw new AppError(`${network}.unreachable`, `cannot reach ${base}: ${(error as Error).message}`, true);
  }
}
