import { type Logger, pino } from 'pino';

/** Structured logs; tokens and secrets are redacted wherever they appear in a logged object. */
export function createLogger(options: { level: string; pretty: boolean }): Logger {
  return pino({
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
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
