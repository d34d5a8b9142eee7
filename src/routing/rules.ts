import type { Mention } from '../contract/mention.js';
import type { CompiledRule, Policy } from './compiled-policy.js';
import { list, type Priority } from './policy.js';
import type { Understanding } from './understand/index.js';
import { firstMatch } from './understand/matcher.js';

/** What the policy's rules say about a mention. Each field comes from the first matching rule that sets it. */
export interface RuleOutcome {
  assign?: { team: string; rule: string } | { person: string; rule: string };
  priority?: { value: Priority; rule: string };
  responseTargetMinutes?: { value: number; rule: string };
  skills?: { value: string[]; rule: string };
  escalate?: { reason: string; rule: string };
  drop?: { reason: string; rule: string };
}

const handleOf = (value: string) => value.replace(/^@/, '').toLowerCase();

export function ruleMatches(
  compiled: CompiledRule,
  mention: Mention,
  u: Understanding,
  identities: readonly string[],
): boolean {
  const when = compiled.rule.when;
  const anyOf = <T>(wanted: T | T[] | undefined, has: (value: T) => boolean) =>
    wanted === undefined || list(wanted).some(has);
  if (!anyOf(when.network, (n) => n === mention.network)) return false;
  if (!anyOf(when.account, (a) => handleOf(a) === handleOf(mention.account))) return false;
  if (!anyOf(when.language, (l) => l === u.language.code)) return false;
  if (!anyOf(when.sentiment, (s) => s === u.sentiment.label)) return false;
  if (!anyOf(when.intent, (i) => u.intent.all.includes(i))) return false;
  if (!anyOf(when.topic, (t) => u.topics.some((m) => m.name === t))) return false;
  if (!anyOf(when.kind, (k) => k === (mention.kind ?? 'mention'))) return false;
  if (compiled.authors && !identities.some((key) => compiled.authors!.has(key))) return false;
  const followers = mention.author.followers ?? 0;
  if (when.followers?.min !== undefined && followers < when.followers.min) return false;
  if (when.followers?.max !== undefined && followers > when.followers.max) return false;
  if (when.verified !== undefined && (mention.author.verified === true) !== when.verified) return false;
  if (compiled.keywords && firstMatch(compiled.keywords, u.text) === undefined) return false;
  return true;
}

export function evaluateRules(
  policy: Policy,
  mention: Mention,
  u: Understanding,
  identities: readonly string[],
): RuleOutcome {
  const outcome: RuleOutcome = {};
  for (const compiled of policy.rules) {
    if (!ruleMatches(compiled, mention, u, identities)) continue;
    const act = compiled.rule.do;
    const rule = compiled.name;
    if (act.escalate && !outcome.escalate && !outcome.drop) outcome.escalate = { reason: act.escalate, rule };
    if (act.drop && !outcome.drop && !outcome.escalate) outcome.drop = { reason: act.drop, rule };
    if (act.assign && !outcome.assign) outcome.assign = { ...act.assign, rule };
    if (act.priority && !outcome.priority) outcome.priority = { value: act.priority, rule };
    if (act.responseTargetMinutes && !outcome.responseTargetMinutes) {
      outcome.responseTargetMinutes = { value: act.responseTargetMinutes, rule };
    }
    if (act.skills && !outcome.skills) outcome.skills = { value: act.skills, rule };
    // An escalation or a drop settles the mention: later rules cannot take it back.
    if (compiled.rule.stop || act.escalate || act.drop) break;
  }
  return outcome;
}
