import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, type AtprotoNetwork, startAtprotoNetwork } from '../support/atproto-network.js';

describe('debug', () => {
  let net: AtprotoNetwork; let business: Account; let jo: Account;
  beforeAll(async () => {
    net = await startAtprotoNetwork();
  });
  afterAll(async () => { await net?.close(); });
  for (let k = 0; k < 6; k++) it('x' + k, async () => {
    business = await net.createAccount('harbourbikes', 'Harbour Bikes');
    jo = await net.createAccount('jo', 'Jo Marsh');
    const t0 = Date.now();
    const ours = await net.post(business, 'Spring tune-ups are open for booking.');
    const question = await net.post(jo, 'Do I need to book for a puncture?', { replyTo: ours });
    await net.settle();
    for (let i = 0; i < 4; i++) {
      const { data } = await business.agent.listNotifications({ limit: 10 });
      console.log(k, Date.now() - t0, JSON.stringify(data.notifications.map((n) => [n.reason, n.uri === question.uri])));
      await new Promise(r => setTimeout(r, 1000));
    }
    expect(1).toBe(1);
  });
});
