import { describe, expect, it } from 'vitest';
import type { Mention } from '../../../src/contract/mention.js';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { understand } from '../../../src/routing/understand/index.js';

const policy = compilePolicy(
  PolicyFileSchema.parse({
    topics: {
      billing: { keywords: ['refund*', 'invoice'], phrases: ['charged twice'] },
      ebikes: { hashtags: ['ebike'], regexes: ['\\be-?bikes?\\b'] },
      orders: { regexes: ['\\border\\s*#?\\d{4,}'] },
    },
  }),
);

function mention(text: string, author: Partial<Mention['author']> = {}): Mention {
  return {
    network: 'x',
    externalId: '1',
    account: '@harbourbikes',
    author: { id: 'a1', handle: 'jane', followers: 120, ...author },
    text,
    createdAt: '2025-05-06T10:00:00Z',
  };
}

describe('understanding a mention', () => {
  it('hears a Spanish question as Spanish and as a question', () => {
    const u = understand(
      mention('Hola, ¿tenéis bicicletas eléctricas de alquiler para el fin de semana?'),
      policy,
    );
    expect(u.language.code).toBe('es');
    expect(u.intent.all).toContain('question');
  });

  it('reads "charged twice" and "refunded" as billing, and the post as a complaint', () => {
    const u = understand(
      mention('I was charged twice for my service and still no refund. Really disappointed.'),
      policy,
    );
    expect(u.topics.map((t) => t.name)).toEqual(['billing']);
    expect(u.topics[0]?.matched).toBe('charged twice');
    expect(u.intent.primary).toBe('complaint');
    expect(u.sentiment.label).toBe('negative');
    expect(understand(mention('Has my order been refunded yet?'), policy).topics[0]?.matched).toBe(
      'refunded',
    );
  });

  it('finds topics by hashtag and by regex', () => {
    expect(understand(mention('Loving my new ride #ebike'), policy).topics.map((t) => t.name)).toEqual([
      'ebikes',
    ]);
    expect(understand(mention('Where is order #44112?'), policy).topics.map((t) => t.name)).toEqual([
      'orders',
    ]);
  });

  it('does not read "issue" as the keyword "sue"', () => {
    const p = compilePolicy(PolicyFileSchema.parse({ topics: { legal: { keywords: ['sue'] } } }));
    expect(understand(mention('Small issue with my bell'), p).topics).toEqual([]);
    expect(understand(mention('I will sue you'), p).topics.map((t) => t.name)).toEqual(['legal']);
  });

  it('recognises praise, sales leads and bug reports', () => {
    expect(understand(mention('Thank you Sam, brilliant service as always!'), policy).intent.primary).toBe(
      'praise',
    );
    expect(
      understand(mention('How much would a fleet of 20 bikes cost for our office?'), policy).intent.primary,
    ).toBe('sales_lead');
    expect(
      understand(mention('Your website checkout gives an error when I pay'), policy).intent.primary,
    ).toBe('bug_report');
  });

  it('scores a link farm from a brand-new account as spam, and a customer as not', () => {
    const farm = understand(
      mention('Crypto giveaway!! https://bit.ly/a https://bit.ly/b https://bit.ly/c DM me', {
        handle: 'promo83726151',
        followers: 0,
      }),
      policy,
    );
    expect(farm.spam.likelihood).toBeGreaterThanOrEqual(0.7);
    expect(understand(mention('Is the workshop open on Saturday?'), policy).spam.likelihood).toBe(0);
  });

  it('counts the same text from other accounts towards spam', () => {
    const alone = understand(mention('Great bikes here, check my profile'), policy, { sameTextElsewhere: 0 });
    const copied = understand(mention('Great bikes here, check my profile'), policy, {
      sameTextElsewhere: 6,
    });
    expect(copied.spam.likelihood).toBeGreaterThan(alone.spam.likelihood);
  });

  it('gives bought followers no influence', () => {
    const real = understand(mention('Lovely shop', { followers: 50_000 }), policy);
    expect(real.influence.level).toBe('high');
    const bought = understand(
      mention('crypto giveaway https://bit.ly/x https://bit.ly/y https://bit.ly/z', { followers: 50_000 }),
      policy,
    );
    expect(bought.influence.followers).toBe(0);
  });
});
