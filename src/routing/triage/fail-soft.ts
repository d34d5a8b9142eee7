import type { Logger } from 'pino';
import type { Triage } from './llm-triage.js';

/**
 * Routing never waits on a broken triage: whatever one throws reads as "no
 * verdict", and the built-in reading stands. Only the error's name is
 * logged, as its message could quote the post.
 */
export function failSoft(triage: Triage, logger: Logger): Triage {
  return async (mention) => {
    try {
      return await triage(mention);
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.name : typeof error },
        'triage failed; the built-in reading stands',
      );
      return undefined;
    }
  };
}
