import type { Mention } from '../../contract/mention.js';

export interface InfluenceReading {
  followers: number;
  verified: boolean;
  level: 'low' | 'medium' | 'high';
}

/**
 * Reach that counts: followers of an account that looks like spam were most
 * likely bought, so they are worth nothing.
 */
export function readInfluence(
  mention: Mention,
  spamLikelihood: number,
  thresholds: { mediumFollowers: number; highFollowers: number },
): InfluenceReading {
  const verified = mention.author.verified === true;
  const followers = spamLikelihood >= 0.5 ? 0 : (mention.author.followers ?? 0);
  const level =
    followers >= thresholds.highFollowers
      ? 'high'
      : followers >= thresholds.mediumFollowers || verified
        ? 'medium'
        : 'low';
  return { followers, verified, level };
}
