import { createHmac } from 'node:crypto';

/** Signs a body the way Slack does: v0=HMAC-SHA256(secret, `v0:${timestamp}:${body}`). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlackPostOptions {
  secret: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  /** Send without a signature header at all. */
  unsigned?: boolean;
}

/** POSTs an interactivity payload to /slack/events exactly as Slack would. */
export function postInteraction(
  baseUrl: string,
  payload: unknown,
  options: SlackPostOptions,
): Promise<Response> {
  const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
  };
  if (!options.unsigned) headers['x-slack-signature'] = slackSignature(options.secret, timestamp, body);
  return fetch(`${baseUrl}/slack/events`, { method: 'POST', headers, body });
}

export function buttonClick(input: {
  userId: string;
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  triggerId?: string;
}) {
  return {
    type: 'block_actions',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0FIRSTHAND',
    token: 'legacy-verification-token',
    trigger_id: input.triggerId ?? `${Date.now()}.1.abcdef`,
    container: {
      type: 'message',
      message_ts: input.messageTs,
      channel_id: input.channel,
      is_ephemeral: false,
    },
    channel: { id: input.channel, name: 'customers' },
    message: { type: 'message', ts: input.messageTs, text: '' },
    response_url: 'https://hooks.slack.invalid/actions/T0/1/x',
    actions: [
      {
        type: 'button',
        action_id: input.actionId,
        block_id: 'conversation_actions',
        value: input.value,
        text: { type: 'plain_text', text: 'button' },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** A button clicked in the Home tab: no channel or message, only the view it sits in. */
export function homeButtonClick(input: { userId: string; actionId: string; value: string }) {
  const click = buttonClick({ ...input, channel: 'unused', messageTs: 'unused' });
  const { channel: _channel, message: _message, response_url: _url, ...rest } = click;
  return {
    ...rest,
    container: { type: 'view', view_id: 'V0HOME' },
    view: {
      id: 'V0HOME',
      team_id: 'T0STANDIN',
      type: 'home',
      callback_id: '',
      private_metadata: '',
      hash: '1.home',
      state: { values: {} },
      blocks: [],
    },
  };
}

export function viewSubmission(input: {
  userId: string;
  viewId: string;
  callbackId: string;
  privateMetadata: string;
  values: Record<
    string,
    Record<string, { type: string; value?: string | null; selected_option?: { value: string } }>
  >;
}) {
  return {
    type: 'view_submission',
    team: { id: 'T0STANDIN', domain: 'standin' },
    user: { id: input.userId, username: input.userId.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0FIRSTHAND',
    token: 'legacy-verification-token',
    trigger_id: `${Date.now()}.2.abcdef`,
    view: {
      id: input.viewId,
      team_id: 'T0STANDIN',
      type: 'modal',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      hash: '1.abc',
      state: { values: input.values },
      blocks: [],
      title: { type: 'plain_text', text: 'Reply' },
    },
    response_urls: [],
  };
}

/** POSTs a slash command to /slack/events, form-encoded and signed as Slack sends it. */
export function postCommand(
  baseUrl: string,
  input: { command: string; text: string; userId: string; channel: string },
  options: SlackPostOptions,
): Promise<Response> {
  const body = new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0STANDIN',
    team_domain: 'standin',
    channel_id: input.channel,
    channel_name: 'customers',
    user_id: input.userId,
    user_name: input.userId.toLowerCase(),
    command: input.command,
    text: input.text,
    api_app_id: 'A0FIRSTHAND',
    response_url: 'https://hooks.slack.invalid/commands/T0/1/x',
    trigger_id: `${Date.now()}.3.abcdef`,
  }).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret, timestamp, body),
    },
    body,
  });
}

/** POSTs an Events API callback (JSON) to /slack/events, signed. */
export function postEvent(baseUrl: string, event: Record<string, unknown>, options: SlackPostOptions) {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T0STANDIN',
    api_app_id: 'A0FIRSTHAND',
    event: { event_ts: `${Date.now() / 1000}`, ...event },
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authed_users: [],
  });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret, timestamp, body),
    },
    body,
  });
}

/** A choice in a users_select or static_select menu of a message's actions block. */
export function menuChoice(input: {
  userId: string;
  actionId: string;
  blockId: string;
  channel: string;
  messageTs: string;
  selectedUser?: string;
  selectedOption?: string;
}) {
  const click = buttonClick({ ...input, value: '' });
  const action = input.selectedUser
    ? { type: 'users_select', selected_user: input.selectedUser }
    : {
        type: 'static_select',
        selected_option: { value: input.selectedOption, text: { type: 'plain_text', text: 'option' } },
      };
  return {
    ...click,
    actions: [
      {
        action_id: input.actionId,
        block_id: input.blockId,
        action_ts: `${Date.now() / 1000}`,
        ...action,
      },
    ],
  };
}
