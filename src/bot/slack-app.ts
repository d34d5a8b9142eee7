import type { RequestListener } from 'node:http';
import { App, HTTPReceiver, LogLevel, SocketModeReceiver } from '@slack/bolt';

export interface SlackAppOptions {
  botToken: string;
  signingSecret: string | undefined;
  appToken: string | undefined;
  apiUrl: string;
}

export interface SlackApp {
  app: App;
  /** The /slack/events handler in HTTP mode; undefined in Socket Mode. */
  httpListener: RequestListener | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How far a Slack request's timestamp may be from our clock, either way, before it is refused as a replay. */
export const SLACK_REQUEST_WINDOW_SECONDS = 5 * 60;

/**
 * Refuses a request stamped more than five minutes from now before Bolt sees
 * it. Bolt checks the signature and refuses a request older than that, but
 * takes one stamped in the future, which a captured request re-sent later, or
 * one signed ahead of time, would be.
 */
export function withinSlackWindow(listener: RequestListener, now: () => number = Date.now): RequestListener {
  return (req, res) => {
    const header = req.headers['x-slack-request-timestamp'];
    const sentAt = typeof header === 'string' && /^\d{1,12}$/.test(header) ? Number(header) : Number.NaN;
    // NaN (no header, or not a number) fails the comparison too.
    if (!(Math.abs(now() / 1000 - sentAt) <= SLACK_REQUEST_WINDOW_SECONDS)) {
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain' }).end();
      return;
    }
    listener(req, res);
  };
}

/**
 * Bolt with HTTP (signature-verified /slack/events) or Socket Mode when an
 * app token is given. In HTTP mode our own server hosts Bolt's listener, so
 * ingest, health and Slack share one port.
 */
export async function createSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const clientOptions = { slackApiUrl: options.apiUrl };
  if (options.appToken) {
    // Bolt hands the socket client only installerOptions.clientOptions (a top-level clientOptions is dropped,
    // and apps.connections.open would go to slack.com); a copy, because the client adds its own retries to it.
    const receiver = new SocketModeReceiver({
      appToken: options.appToken,
      installerOptions: { clientOptions: { ...clientOptions } },
      logLevel: LogLevel.WARN,
    });
    const app = new App({
      token: options.botToken,
      receiver,
      clientOptions,
      deferInitialization: true,
      logLevel: LogLevel.WARN,
    });
    await app.init();
    return {
      app,
      httpListener: undefined,
      start: async () => void (await app.start()),
      stop: async () => {
        await app.stop();
      },
    };
  }
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret ?? '',
    endpoints: '/slack/events',
    // Answer Slack as soon as ack() is called; slow work continues after.
    processBeforeResponse: false,
  });
  const app = new App({
    token: options.botToken,
    receiver,
    clientOptions,
    deferInitialization: true,
    logLevel: LogLevel.WARN,
  });
  await app.init();
  return {
    app,
    httpListener: withinSlackWindow(receiver.requestListener),
    start: async () => {},
    stop: async () => {},
  };
}
