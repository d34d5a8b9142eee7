import { ErrorCode, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { AppError } from '../contract/errors.js';

const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'invalid_blocks',
  'msg_too_long',
  'message_not_found',
  'cant_update_message',
  'missing_scope',
]);

/** Maps a WebClient failure to the error family; a 429 carries the moment Slack allows the retry. */
export function slackFailure(error: unknown): AppError {
  const code = (error as { code?: string }).code;
  if (code === ErrorCode.RateLimitedError) {
    const seconds = (error as WebAPIRateLimitedError).retryAfter;
    return Object.assign(new AppError('slack.rate_limited', `Slack asked us to wait ${seconds}s`, true), {
      retryAt: new Date(Date.now() + seconds * 1000),
    });
  }
  if (code === ErrorCode.PlatformError) {
    const slackError = (error as WebAPIPlatformError).data.error;
    return new AppError(
      `slack.${slackError}`,
      `Slack refused the call: ${slackError}`,
      !PERMANENT.has(slackError),
    );
  }
  return new AppError('slack.unreachable', (error as Error).message, true, { cause: error });
}

/**
 * Whether a failed call may have taken effect in Slack all the same: a 429 or
 * an error Slack answered with did nothing, but a call whose answer never
 * came (a timeout, a dropped connection, a 5xx from a proxy) may have.
 */
export function slackMayHavePosted(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code !== ErrorCode.RateLimitedError && code !== ErrorCode.PlatformError;
}
