import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimSurge,
  endSurge,
  markOwnerToldOfSurge,
  openSurge,
  ownerToldOfSurge,
  readSurgeState,
} from '../../src/db/surge.repository.js';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/database.js';

describe.each(DATABASE_KINDS)('a channel’s surge, on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('has one root, and the owner is told once a surge, again in the next one', async () => {
    const db = database.db;
    expect(await claimSurge(db, 'C0TEAM', new Date())).toBe(true);
    expect(await claimSurge(db, 'C0TEAM', new Date())).toBe(false);
    await openSurge(db, 'C0TEAM', '100.1');
    expect((await readSurgeState(db, 'C0TEAM')).surge).toEqual({ state: 'open', rootTs: '100.1' });

    expect(await ownerToldOfSurge(db, 'C0TEAM', '100.1')).toBe(false);
    await markOwnerToldOfSurge(db, 'C0TEAM', '100.1');
    await markOwnerToldOfSurge(db, 'C0TEAM', '100.1');
    expect(await ownerToldOfSurge(db, 'C0TEAM', '100.1')).toBe(true);
    // Another channel's surge is its own.
    expect(await ownerToldOfSurge(db, 'C0OTHER', '100.1')).toBe(false);

    await endSurge(db, 'C0TEAM');
    expect((await readSurgeState(db, 'C0TEAM')).surge).toBeUndefined();
    expect(await claimSurge(db, 'C0TEAM', new Date())).toBe(true);
    await openSurge(db, 'C0TEAM', '200.2');
    expect(await ownerToldOfSurge(db, 'C0TEAM', '200.2')).toBe(false);
  });
});
