import { AWAY_INDEFINITELY, parseUntil } from './clock.js';
import { escapeMrkdwn } from './mrkdwn.js';
import { PERIODS, type Period } from './response-figures.js';

/** Pure: the words after /firsthand, read into what the person asked for. */
export type Command =
  | { kind: 'me' }
  | { kind: 'queue' }
  | { kind: 'stats'; period: Period }
  | { kind: 'back' }
  | { kind: 'away'; until: Date }
  | { kind: 'help'; problem?: string };

export function parseCommand(text: string, now: Date, timeZone: string): Command {
  const [verb = '', ...rest] = text.trim().split(/\s+/);
  const argument = rest.join(' ');
  switch (verb.toLowerCase()) {
    case '':
    case 'me':
      return { kind: 'me' };
    case 'queue':
      return { kind: 'queue' };
    case 'stats': {
      const period = (argument || 'week').toLowerCase();
      return PERIODS.includes(period as Period)
        ? { kind: 'stats', period: period as Period }
        : {
            kind: 'help',
            problem: `I can't read "${escapeMrkdwn(argument.slice(0, 50))}" as a period. Try \`stats week\` or \`stats month\`.`,
          };
    }
    case 'back':
      return { kind: 'back' };
    case 'away': {
      if (!argument) return { kind: 'away', until: AWAY_INDEFINITELY };
      const until = parseUntil(argument.replace(/^until\s+/i, ''), now, timeZone);
      return until
        ? { kind: 'away', until }
        : {
            kind: 'help',
            problem: `I can't read "${escapeMrkdwn(argument.slice(0, 100))}" as a time. Try \`away 2h\`, \`away 3d\`, \`away tomorrow\`, \`away friday\` or \`away 2025-08-01\`.`,
          };
    }
    case 'help':
      return { kind: 'help' };
    default:
      return { kind: 'help', problem: `I don't know "${escapeMrkdwn(verb.slice(0, 50))}".` };
  }
}
