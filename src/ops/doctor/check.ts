/** One line of `npm run doctor`: what was checked, what was found, and for anything wrong, what to do. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** Present on every warn and fail: the step that puts it right. */
  fix?: string;
}

export const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
});

export const errorText = (error: unknown): string =>
  // A driver error can carry a connection string with its password.
  (error instanceof Error ? error.message : String(error)).replace(/\/\/[^@\s/]*@/g, '//[redacted]@');
