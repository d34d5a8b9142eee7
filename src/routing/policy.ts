import { z } from 'zod';
import { NETWORKS } from '../contract/mention.js';
import type { OwnerCategory } from './understand/categories.js';
import { INTENTS } from './understand/intent.js';

/**
 * The routing policy as data (POLICY_FILE). This module holds the file's
 * schema and its compiled, ready-to-match form; reading the file lives in
 * policy-file.ts so everything here stays pure.
 */

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U0123ABCD');
// As SLACK_CHANNEL_ID is checked in config.ts.
const SlackChannelId = z.string().regex(/^[CGD][A-Z0-9]+$/, 'a Slack channel id such as C0123ABCD');
const Name = z.string().min(1).max(80);
const LanguageCode = z.string().regex(/^[a-z]{2,3}$/, 'a language code such as en or es');
/** A customer's handle on one network, written "network:handle", e.g. "x:@jane" or "bluesky:jane.bsky.social". */
const Identity = z
  .string()
  .regex(
    new RegExp(`^(${NETWORKS.join('|')}):@?[^\\s@]+(@[^\\s@]+)?$`),
    `network:handle, e.g. "x:@jane"; networks: ${NETWORKS.join(', ')}`,
  );
const Regex = z.string().refine((source) => {
  try {
    new RegExp(source, 'iu');
    return true;
  } catch {
    return false;
  }
}, 'a valid regular expression');

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
const Minutes = z.number().int().positive();

const matcherFields = {
  keywords: z
    .array(z.string().min(1))
    .default([])
    .describe('Whole words, any case or accent; end with * to match a prefix ("refund*")'),
  phrases: z.array(z.string().min(1)).default([]).describe('Several words in a row ("charged twice")'),
  hashtags: z.array(z.string().min(1)).default([]).describe('Hashtags with or without the #'),
  regexes: z.array(Regex).default([]).describe('Regular expressions, matched case-insensitively'),
};

const Topic = z
  .object({
    ...matcherFields,
    team: Name.optional().describe('The team that takes this topic first'),
    skills: z.array(Name).default([]).describe('Skills a person needs to take a mention on this topic'),
  })
  .strict();

const Team = z
  .object({
    members: z.array(SlackUserId).default([]),
    skills: z.array(Name).default([]).describe('Anyone with all these skills belongs to the team too'),
    channel: SlackChannelId.optional().describe(
      "The team's own Slack channel for its conversations' cards and threads; without it, the main channel",
    ),
  })
  .strict();

const Sentiment = z.enum(['negative', 'neutral', 'positive']);
const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

const Conditions = z
  .object({
    network: oneOrMany(z.enum(NETWORKS)).optional(),
    account: oneOrMany(z.string().min(1)).optional().describe('Our handle that was mentioned'),
    language: oneOrMany(LanguageCode).optional(),
    sentiment: oneOrMany(Sentiment).optional(),
    intent: oneOrMany(z.enum(INTENTS)).optional(),
    topic: oneOrMany(Name).optional(),
    author: oneOrMany(Identity).optional(),
    followers: z
      .object({
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().nonnegative().optional(),
      })
      .strict()
      .optional(),
    verified: z.boolean().optional(),
    keywords: z.array(z.string().min(1)).min(1).optional().describe('Any of these words or phrases'),
    kind: oneOrMany(z.enum(['mention', 'comment', 'reply', 'direct_message'])).optional(),
  })
  .strict();

const Actions = z
  .object({
    assign: z
      .union([z.object({ team: Name }).strict(), z.object({ person: SlackUserId }).strict()])
      .optional(),
    priority: z.enum(PRIORITIES).optional(),
    responseTargetMinutes: Minutes.optional(),
    skills: z.array(Name).optional().describe('Skills the assignee must have'),
    escalate: z.string().min(1).optional().describe('Send to the owner, with this reason'),
    drop: z.string().min(1).optional().describe('Drop as spam or noise, with this reason'),
  })
  .strict()
  .refine((a) => Object.keys(a).length > 0, 'a rule needs at least one action')
  .refine((a) => !(a.escalate && a.drop), 'a rule cannot both escalate and drop');

const Rule = z
  .object({
    name: Name,
    when: Conditions.default({}),
    do: Actions,
    stop: z.boolean().default(false).describe('Stop evaluating later rules when this one matches'),
  })
  .strict();

const Trigger = z
  .object({
    reason: z.string().min(1).describe('Shown to the owner, e.g. "legal threat"'),
    ...matcherFields,
    authors: z
      .array(Identity)
      .default([])
      .describe('Always escalate these accounts (journalists, regulators)'),
  })
  .strict();

const OwnerCategorySettings = z
  .object({
    enabled: z.boolean().default(true).describe('false: this category no longer escalates'),
    ...matcherFields,
  })
  .strict();

/** The built-in owner-lane categories, each on unless the policy turns it off; words given here are added to it. */
const OwnerCategories = z
  .object({
    legal: OwnerCategorySettings.optional(),
    press: OwnerCategorySettings.optional(),
    harm: OwnerCategorySettings.optional(),
    food_safety: OwnerCategorySettings.optional(),
    privacy: OwnerCategorySettings.optional(),
    discrimination: OwnerCategorySettings.optional(),
    threat: OwnerCategorySettings.optional(),
    staff_dispute: OwnerCategorySettings.optional(),
    ask_owner: OwnerCategorySettings.optional(),
  } satisfies Record<OwnerCategory, z.ZodType>)
  .strict()
  .default({});

const AngryInfluencer = z
  .object({
    minFollowers: z.number().int().nonnegative().default(10000),
    verifiedCounts: z.boolean().default(true).describe('A verified account counts as influential'),
    maxSentiment: z.number().default(-3).describe('Sentiment score at or below which a post is angry'),
  })
  .strict();
const RepeatComplaints = z
  .object({
    count: z.number().int().min(2).default(3),
    withinDays: z.number().int().positive().default(7),
  })
  .strict();

export const PolicyFileSchema = z
  .object({
    languages: z
      .array(LanguageCode)
      .min(1)
      .default(['en', 'es', 'pt', 'fr', 'de', 'it', 'nl'])
      .describe('Languages to recognise; keep it to the ones your customers write in'),
    responseTargets: z
      .object({
        urgent: Minutes.default(15),
        high: Minutes.default(60),
        normal: Minutes.default(240),
        low: Minutes.default(1440),
      })
      .strict()
      .default({ urgent: 15, high: 60, normal: 240, low: 1440 })
      .describe('First-response target in minutes for each priority'),
    responseClock: z
      .object({
        remindAt: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.5)
          .describe(
            'Share of the target at which the assignee gets a quiet reminder; counted in their working hours',
          ),
        offerAt: z
          .number()
          .positive()
          .default(1)
          .describe('Share of the target at which the conversation goes to the next eligible person'),
        ownerAt: z
          .object({ urgent: z.number().positive().optional(), high: z.number().positive().optional() })
          .strict()
          .default({ urgent: 2, high: 3 })
          .describe('Multiple of the target at which the owner is told, once, for urgent and high'),
        claimWindowMinutes: Minutes.default(15).describe(
          'How long the person offered a conversation at the target has to claim it before it is offered to the next',
        ),
        autoCloseAfterDays: z
          .union([z.literal(false), z.number().int().positive()])
          .default(7)
          .describe(
            'A conversation we answered, or waiting on the customer, closes itself after this many days without a word from them; false: never',
          ),
      })
      .strict()
      .prefault({})
      .describe('What happens when a conversation waits for its first answer'),
    storm: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('false: no storms; every mention is routed to a card of its own, however many arrive'),
        rateMultiple: z
          .number()
          .gt(1)
          .default(5)
          .describe(
            'A storm starts when mentions a minute reach this multiple of the usual for the hour of the week',
          ),
        minPerMinute: z
          .number()
          .int()
          .positive()
          .default(30)
          .describe(
            '…and at least this many a minute, so a quiet account is not in a storm at its third mention',
          ),
        negativeRise: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.35)
          .describe(
            'A storm also starts when the share of negative mentions rises this much above the last hour',
          ),
        minNegativePerMinute: z
          .number()
          .int()
          .positive()
          .default(10)
          .describe('…with at least this many negative mentions a minute'),
        calmMinutes: Minutes.default(10).describe(
          'A storm ends after this long back near the usual rate and mood',
        ),
        holdSeconds: z
          .number()
          .int()
          .min(0)
          .max(120)
          .default(15)
          .describe(
            'In a storm, a mention that tells no known story yet waits this long for its story before it gets a card of its own; 0: never',
          ),
      })
      .strict()
      .prefault({})
      .describe('Storms: many mentions at once, told as a few stories in one thread'),
    topics: z.record(Name, Topic).default({}),
    teams: z.record(Name, Team).default({}),
    customers: z
      .array(
        z
          .object({
            name: Name,
            identities: z.array(Identity).min(1).describe('The same person on several networks'),
            vip: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    vip: z.array(Identity).default([]).describe('Accounts whose every mention goes to the owner'),
    spam: z
      .object({
        dropAt: z.number().min(0).max(1).default(0.7).describe('Spam likelihood from which to drop'),
      })
      .strict()
      .default({ dropAt: 0.7 }),
    influence: z
      .object({
        mediumFollowers: z.number().int().positive().default(1000),
        highFollowers: z.number().int().positive().default(10000),
      })
      .strict()
      .default({ mediumFollowers: 1000, highFollowers: 10000 }),
    escalation: z
      .object({
        priority: z.enum(PRIORITIES).default('urgent'),
        triggers: z.array(Trigger).default([]),
        categories: OwnerCategories,
        angryInfluencer: z
          .union([z.literal(false), AngryInfluencer])
          .default(AngryInfluencer.parse({}))
          .describe('An angry customer with real reach goes to the owner; false turns it off'),
        repeatComplaints: z
          .union([z.literal(false), RepeatComplaints])
          .default(RepeatComplaints.parse({}))
          .describe(
            'The nth complaint from one customer within the window goes to the owner; false turns it off',
          ),
      })
      .strict()
      .prefault({}),
    routing: z
      .object({
        selectors: z
          .array(z.enum(['continuity', 'topic_team', 'least_loaded']))
          .min(1)
          .default(['continuity', 'topic_team', 'least_loaded'])
          .describe('Ways of choosing a person, tried in order'),
        relationshipDays: z
          .number()
          .int()
          .positive()
          .default(90)
          .describe('How long a person keeps a customer'),
        relaxSkillsAfterMinutes: Minutes.optional().describe('After this wait, anyone may take it'),
        relaxLanguageAfterMinutes: Minutes.optional(),
        ownerTakesRoutine: z
          .enum(['never', 'last_resort'])
          .default('never')
          .describe('last_resort: the owner takes routine work when no staff member can'),
      })
      .strict()
      .default({
        selectors: ['continuity', 'topic_team', 'least_loaded'],
        relationshipDays: 90,
        ownerTakesRoutine: 'never',
      }),
    rules: z.array(Rule).default([]),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const teams = new Set(Object.keys(policy.teams));
    const topics = new Set(Object.keys(policy.topics));
    for (const [name, topic] of Object.entries(policy.topics)) {
      if (topic.team && !teams.has(topic.team)) {
        ctx.addIssue({ code: 'custom', path: ['topics', name, 'team'], message: `no team "${topic.team}"` });
      }
    }
    policy.rules.forEach((rule, index) => {
      const assign = rule.do.assign;
      if (assign && 'team' in assign && !teams.has(assign.team)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'do', 'assign', 'team'],
          message: `no team "${assign.team}"`,
        });
      }
      for (const topic of list(rule.when.topic)) {
        if (!topics.has(topic)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', index, 'when', 'topic'],
            message: `no topic "${topic}"`,
          });
        }
      }
    });
  });

export type PolicyFile = z.output<typeof PolicyFileSchema>;
export type PolicyRule = PolicyFile['rules'][number];
export type RuleConditions = PolicyRule['when'];
export type RuleActions = PolicyRule['do'];

export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Any policy written by hand fills in from these. */
export const DEFAULT_POLICY_FILE: PolicyFile = PolicyFileSchema.parse({});
