import { describe, expect, it } from 'vitest';
import { judgeMigrations, judgePostgresVersion } from '../../../src/ops/doctor/postgres.checks.js';
import { judgeRedisAnswers, parseRedisInfo } from '../../../src/ops/doctor/redis.checks.js';
import { exitCode, formatResult } from '../../../src/ops/doctor/run-doctor.js';
import { judgeScopes, manifestBotScopes } from '../../../src/ops/doctor/slack.checks.js';

const info = (fields: Record<string, string>) =>
  ['# Server', ...Object.entries(fields).map(([k, v]) => `${k}:${v}`)].join('\r\n');

describe('the Redis checks, on INFO answers', () => {
  it('fails an evicting policy and prints how to set noeviction', () => {
    const results = judgeRedisAnswers(
      info({ redis_version: '7.2.4', maxmemory_policy: 'allkeys-lru', aof_enabled: '1' }),
      '',
    );
    const eviction = results.find((r) => r.name === 'Redis eviction');
    expect(eviction?.status).toBe('fail');
    expect(formatResult(eviction!)).toBe(
      '✗ Redis eviction: maxmemory-policy is allkeys-lru: Redis may delete queued jobs when memory runs short\n' +
        '    fix: set maxmemory-policy noeviction in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE), or choose it in your provider’s settings',
    );
    expect(exitCode(results)).toBe(1);
  });

  it('passes noeviction with an append-only file', () => {
    const results = judgeRedisAnswers(
      info({ redis_version: '7.2.4', maxmemory_policy: 'noeviction', aof_enabled: '1' }),
      '',
    );
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('warns when nothing persists, and when CONFIG is not allowed it says so', () => {
    const off = judgeRedisAnswers(
      info({ redis_version: '7.2.4', maxmemory_policy: 'noeviction', aof_enabled: '0' }),
      '',
    );
    expect(off[2]).toMatchObject({ status: 'warn', fix: expect.stringContaining('appendonly yes') });
    const hidden = judgeRedisAnswers(
      info({ redis_version: '7.2.4', maxmemory_policy: 'noeviction', aof_enabled: '0' }),
      undefined,
    );
    expect(hidden[2]?.detail).toMatch(/CONFIG GET save is not allowed/);
    const snapshots = judgeRedisAnswers(
      info({ redis_version: '7.2.4', maxmemory_policy: 'noeviction', aof_enabled: '0' }),
      '3600 1',
    );
    expect(snapshots[2]?.status).toBe('ok');
  });

  it('fails a Redis older than BullMQ needs', () => {
    const [version] = judgeRedisAnswers(
      info({ redis_version: '6.0.16', maxmemory_policy: 'noeviction' }),
      '',
    );
    expect(version).toMatchObject({ status: 'fail', fix: expect.stringContaining('6.2.0') });
    expect(parseRedisInfo(info({ redis_version: '6.2.0' })).redis_version).toBe('6.2.0');
  });
});

describe('the PostgreSQL checks', () => {
  const journal = [
    { tag: '0000_init', when: 1000 },
    { tag: '0001_more', when: 2000 },
    { tag: '0002_most', when: 3000 },
  ];

  it('names the pending migrations and says to migrate', () => {
    const result = judgeMigrations(journal, [1000]);
    expect(result).toMatchObject({ status: 'fail', detail: '2 of 3 pending: 0001_more, 0002_most' });
    expect(result.fix).toMatch(/npm run db:migrate/);
    expect(judgeMigrations(journal, undefined).detail).toBe('none of 3 applied');
  });

  it('passes when every migration is applied, and warns when the database is ahead of the code', () => {
    expect(judgeMigrations(journal, [1000, 2000, 3000]).status).toBe('ok');
    expect(judgeMigrations(journal, [1000, 2000, 3000, 4000]).status).toBe('warn');
  });

  it('reads server_version_num', () => {
    expect(judgePostgresVersion(160004)).toMatchObject({ status: 'ok', detail: 'PostgreSQL 16.4' });
    expect(judgePostgresVersion(130010).status).toBe('warn');
  });
});

describe('the Slack scope check', () => {
  it('holds the token to every bot scope of slack/manifest.yaml', () => {
    const wanted = manifestBotScopes();
    expect(wanted).toContain('chat:write');
    expect(judgeScopes(wanted, wanted).status).toBe('ok');
    expect(
      judgeScopes(
        wanted.filter((s) => s !== 'users:read'),
        wanted,
      ),
    ).toMatchObject({
      status: 'fail',
      detail: 'the token lacks users:read',
    });
    expect(judgeScopes(undefined, wanted).status).toBe('warn');
  });
});
