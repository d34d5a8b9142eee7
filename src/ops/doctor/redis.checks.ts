import { Redis } from 'ioredis';
import { type CheckResult, errorText, fail, ok, warn } from './check.js';

/** BullMQ's floor: older servers lack commands its scripts use. */
const MIN_REDIS = [6, 2, 0] as const;

/** `INFO`'s `key:value` lines, sections merged. */
export function parseRedisInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

const versionAtLeast = (version: string, floor: readonly number[]) => {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (const [i, min] of floor.entries()) {
    const part = parts[i] ?? 0;
    if (part !== min) return part > min;
  }
  return true;
};

export function judgeRedisVersion(info: Record<string, string>): CheckResult {
  const version = info.redis_version ?? info.valkey_version;
  if (!version) return warn('Redis version', 'INFO did not name a version', 'use Redis 6.2 or later');
  if (!versionAtLeast(version, MIN_REDIS)) {
    return fail(
      'Redis version',
      `Redis ${version}`,
      `upgrade to Redis ${MIN_REDIS.join('.')} or later (BullMQ needs it)`,
    );
  }
  return ok('Redis version', `Redis ${version}`);
}

/**
 * Queued mentions and replies live only in Redis: a server that evicts keys
 * under memory pressure loses them silently, so anything but noeviction fails.
 */
export function judgeEviction(info: Record<string, string>): CheckResult {
  const policy = info.maxmemory_policy;
  if (!policy) {
    return warn(
      'Redis eviction',
      'INFO memory did not name maxmemory_policy',
      'make sure maxmemory-policy is noeviction (redis.conf, or your provider’s settings)',
    );
  }
  if (policy !== 'noeviction') {
    return fail(
      'Redis eviction',
      `maxmemory-policy is ${policy}: Redis may delete queued jobs when memory runs short`,
      'set maxmemory-policy noeviction in redis.conf (or CONFIG SET maxmemory-policy noeviction, then CONFIG REWRITE), or choose it in your provider’s settings',
    );
  }
  return ok('Redis eviction', 'maxmemory-policy noeviction');
}

/** `save` is CONFIG GET save's answer ('' when RDB snapshots are off), undefined when CONFIG is not allowed. */
export function judgePersistence(info: Record<string, string>, save: string | undefined): CheckResult {
  const aof = info.aof_enabled === '1';
  const rdb = save !== undefined && save.trim() !== '';
  if (aof)
    return ok('Redis persistence', `append-only file on${rdb ? `, and snapshots (save ${save})` : ''}`);
  if (rdb) {
    return ok('Redis persistence', `snapshots (save ${save}); a crash loses the jobs since the last one`);
  }
  const fix =
    'turn persistence on so a restart keeps the queues: appendonly yes in redis.conf (or CONFIG SET appendonly yes, then CONFIG REWRITE)';
  if (save === undefined) {
    return warn('Redis persistence', 'append-only file off, and CONFIG GET save is not allowed here', fix);
  }
  return warn('Redis persistence', 'neither the append-only file nor snapshots are on', fix);
}

export function judgeRedisAnswers(infoText: string, save: string | undefined): CheckResult[] {
  const info = parseRedisInfo(infoText);
  return [judgeRedisVersion(info), judgeEviction(info), judgePersistence(info, save)];
}

export async function checkRedis(url: string | undefined): Promise<CheckResult[]> {
  if (!url) {
    return [
      ok('Redis', 'REDIS_URL unset: the app starts its own redis-server with noeviction (nothing to check)'),
    ];
  }
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const infoText = await redis.info();
    let save: string | undefined;
    try {
      const answer = (await redis.config('GET', 'save')) as string[];
      save = answer[1] ?? '';
    } catch {
      // Managed services often rename or forbid CONFIG; INFO is all there is then.
    }
    return judgeRedisAnswers(infoText, save);
  } catch (error) {
    return [
      fail(
        'Redis',
        `cannot reach REDIS_URL: ${errorText(error)}`,
        'check REDIS_URL and that Redis is running',
      ),
    ];
  } finally {
    redis.disconnect();
  }
}
