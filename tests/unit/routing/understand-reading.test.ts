import { describe, expect, it } from 'vitest';
import type { Mention } from '../../../src/contract/mention.js';
import { compilePolicy } from '../../../src/routing/compiled-policy.js';
import { escalationReasons } from '../../../src/routing/escalation.js';
import { PolicyFileSchema } from '../../../src/routing/policy.js';
import { understand } from '../../../src/routing/understand/index.js';
import { links } from '../../../src/routing/understand/spam.js';

// A policy as an owner writes one: topics only. Everything below comes from the built-in reading.
const topicsOnly = compilePolicy(
  PolicyFileSchema.parse({ topics: { bookings: { keywords: ['table', 'booking'] } } }),
);

function mention(text: string, author: Partial<Mention['author']> = {}): Mention {
  return {
    network: 'instagram',
    externalId: '1',
    account: 'lanternbistro',
    author: { id: 'a1', handle: 'maria.k', followers: 240, ...author },
    text,
    createdAt: '2026-12-03T12:00:00Z',
  };
}

const categoriesOf = (text: string, policy = topicsOnly) =>
  understand(mention(text), policy).owner.map((signal) => signal.category);

const snapshot = { staff: [], history: [], recentComplaints: 0 };

describe('the owner lane without a word list', () => {
  it.each([
    ['harm', 'My daughter slipped on the wet stairs by the toilets and needed an x-ray. No sign, nothing.'],
    ['harm', 'Der Heizstrahler auf der Terrasse ist umgekippt, mein Mann hat sich den Arm verbrannt.'],
    ['food_safety', 'Half our table was vomiting through the night after the seafood platter on Saturday.'],
    ['food_safety', 'Ho chiesto un piatto senza glutine, sono celiaca, e sono stata male tutta la notte.'],
    [
      'legal',
      'Je vous ai envoyé une mise en demeure hier, sans réponse sous huit jours je saisis le tribunal.',
    ],
    ['legal', 'Ik heb een formele klacht ingediend bij de Geschillencommissie over de kapotte vaatwasser.'],
    [
      'press',
      "I'm a reporter at the Evening Post, writing a piece on local restaurants closing. Could you comment?",
    ],
    ['privacy', 'La factura que me mandasteis trae el nombre y la dirección de otro cliente.'],
    [
      'discrimination',
      'Não nos deixaram entrar porque o meu filho é cadeirante, disseram que não havia espaço.',
    ],
    ['threat', 'Give me a full refund by Friday or I post one-star reviews on every site I can find.'],
    [
      'staff_dispute',
      'I worked your whole summer season and I am still waiting for my final pay. Speaking to the union.',
    ],
    ['ask_owner', 'Can someone who actually runs this place call me? Your staff keep passing me around.'],
  ])('reads %s in "%s"', (category, text) => {
    expect(categoriesOf(text)).toContain(category);
  });

  it('cites the words that show it and the model confidence beside them', () => {
    const u = understand(
      mention('My son burned his hand on an unguarded heater in your café and we spent the evening in A&E.'),
      topicsOnly,
    );
    const reasons = escalationReasons(topicsOnly, mention(''), u, snapshot, []);
    expect(reasons[0]).toMatch(/^harm or safety: "[^"]+"(, "[^"]+")* \((words; )?model 0\.\d\d\)$/);
  });

  it.each([
    'The fire pit on the terrace made our evening, what a view',
    'My lawyer friends could not stop talking about the tasting menu',
    'That brunch was sick, best eggs in town',
    'Do you have a gluten free menu? My partner is coeliac',
    'Is there step-free access for a wheelchair at the front door?',
    'Are you hiring for the summer? I have two years of bar experience',
    'Please pass our thanks to the owner, the birthday cake was perfect',
  ])('leaves "%s" with the staff', (text) => {
    expect(categoriesOf(text)).toEqual([]);
  });

  it('a category the policy turns off stays off; words the policy adds escalate', () => {
    const policy = compilePolicy(
      PolicyFileSchema.parse({
        escalation: { categories: { press: { enabled: false }, food_safety: { keywords: ['wasps'] } } },
      }),
    );
    expect(
      categoriesOf("I'm a reporter at the Evening Post, writing a piece on your closure", policy),
    ).not.toContain('press');
    const signal = understand(mention('There were wasps all over the dessert counter'), policy).owner[0];
    expect(signal).toMatchObject({ category: 'food_safety', evidence: ['wasps'], source: 'policy' });
  });

  it("adds the model triage's verdict, saying where it came from", () => {
    const u = understand(mention('Nice place, shame about what happened to my cousin there'), topicsOnly, {
      sameTextElsewhere: 0,
      triage: {
        owner: { category: 'harm', evidence: 'what happened to my cousin' },
        spam: null,
        source: 'llama3',
      },
    });
    const reasons = escalationReasons(topicsOnly, mention(''), u, snapshot, []);
    expect(reasons).toContain('harm or safety: "what happened to my cousin" (model triage by llama3)');
  });
});

describe('spam', () => {
  it('drops a platform notice with a link without a scheme, naming the kind', () => {
    const u = understand(
      mention(
        'Your page will be disabled for copyright infringement. Submit an appeal within 24 hours: meta-review-center.example',
        { followers: 3 },
      ),
      topicsOnly,
    );
    expect(u.spam.likelihood).toBeGreaterThanOrEqual(0.7);
    expect(u.spam.kind).toBe('phishing');
  });

  it('drops follower selling in German', () => {
    const u = understand(
      mention('Mehr Follower für dein Profil 🚀 echte Follower kaufen ab 5€, Infos per DM', { followers: 0 }),
      topicsOnly,
    );
    expect(u.spam.likelihood).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps a customer who links to their own order', () => {
    const u = understand(
      mention(
        "My order hasn't arrived, tracking says delivered: www.parcel-track.example/7781. Please DM me",
      ),
      topicsOnly,
    );
    expect(u.spam.likelihood).toBeLessThan(0.7);
  });

  it('leaves an author the team vouched for alone', () => {
    const text = 'Follow for follow? Cheap followers here bit.ly/grow-now';
    expect(understand(mention(text, { followers: 0 }), topicsOnly).spam.likelihood).toBeGreaterThanOrEqual(
      0.7,
    );
    expect(
      understand(mention(text, { followers: 0 }), topicsOnly, { sameTextElsewhere: 0, vouched: true }).spam
        .likelihood,
    ).toBe(0);
  });

  it('counts links with or without a scheme', () => {
    expect(links('see bit.ly/3abc, www.shop.example and https://x.example/a, not e.g. or 3.5')).toEqual([
      'bit.ly/3abc',
      'www.shop.example',
      'https://x.example/a',
    ]);
  });
});

describe('language, sentiment and complaints', () => {
  it('reads a short Dutch question as Dutch, not German', () => {
    expect(understand(mention('Hebben jullie morgen nog een tafel vrij?'), topicsOnly).language.code).toBe(
      'nl',
    );
  });

  it('reads lapsed praise and shouting as unhappy', () => {
    expect(understand(mention('We used to recommend you to everyone.'), topicsOnly).sentiment.label).toBe(
      'negative',
    );
    const calm = understand(mention('The soup was bad'), topicsOnly).sentiment.score;
    const shouted = understand(mention('The soup was BAD'), topicsOnly).sentiment.score;
    expect(shouted).toBeLessThan(calm);
  });

  it('hears a complaint in ordinary wording, in any corpus language', () => {
    expect(
      understand(mention('Second time this month the delivery came an hour late and cold.'), topicsOnly)
        .intent.all,
    ).toContain('complaint');
    expect(
      understand(mention('Zweimal diese Woche kam die Lieferung eine Stunde zu spät und kalt.'), topicsOnly)
        .intent.all,
    ).toContain('complaint');
  });
});
