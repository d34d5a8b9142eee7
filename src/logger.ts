import { type DestinationStream, type Logger, pino } from 'pino';

/**
 * Structured logs; tokens and secrets are redacted wherever they appear in a
 * logged object, and errors are logged without the customer's content: an
 * error line carries ids and codes, never a text or a statement's parameters.
 * `destination` is for tests that read what was logged.
 */
export function createLogger(
  options: { level: string; pretty: boolean },
  destination?: DestinationStream,
): Logger {
  const settings = {
    level: options.level,
    redact: {
      paths: [
        '*.token',
        '*.botToken',
        '*.appToken',
        '*.signingSecret',
        '*.ingestToken',
        '*.password',
        '*.adminPassword',
        '*.apiKey',
        '*["api-key"]',
        '*.authorization',
        'headers.authorization',
        'req.headers.authorization',
      ],
      censor: '[redacted]',
    },
    serializers: { err: loggedError, error: loggedError },
    hooks: {
      // pino makes an error logged on its own (`logger.error(error)`) the line's message: scrub that too.
      logMethod(args: unknown[], method: (...args: unknown[]) => void) {
        const [first, second] = args;
        if (first instanceof Error && typeof second !== 'string') {
          return method.call(this, { err: first }, scrubErrorText(first.message), ...args.slice(1));
        }
        return method.apply(this, args);
      },
    },
  };
  if (destination) return pino(settings, destination);
  return pino({
    ...settings,
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

// Drizzle words a failed statement `Failed query: <sql>\nparams: <values>`, and the values are the
// customer's words (a mention's text, a reply): only the statement's first line is kept.
const FAILED_QUERY = /^Failed query: ([^\n]*)[\s\S]*$/;

/** An error message fit for a log line: a failed statement is named by its first line, without its values. */
export function scrubErrorText(message: string): string {
  const failed = FAILED_QUERY.exec(message);
  return failed ? `Failed query: ${(failed[1] ?? '').slice(0, 120)}` : message;
}

/**
 * What a log line keeps of an error (`err: error` or `err: error.message`):
 * its kind, its code (an AppError's, or PostgreSQL's SQLSTATE under a
 * driver's error) and its scrubbed message; not its stack, its cause's
 * message or the statement and parameters a database error carries.
 */
function loggedError(value: unknown): unknown {
  if (typeof value === 'string') return scrubErrorText(value);
  if (!(value instanceof Error)) return value;
  const codeOf = (e: unknown) =>
    e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
  const code = codeOf(value) ?? codeOf(value.cause);
  // The stack's frames only: its first lines repeat the message, parameters and all.
  const stack = value.stack
    ?.split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
  return {
    type: value.name,
    ...(code ? { code } : {}),
    message: scrubErrorText(value.message),
    ...(stack ? { stack } : {}),
  };
}
