/**
 * What keeps an outside model from costing more than it helps: a cache, a
 * daily budget and a circuit breaker. In memory, per process: a restart
 * starts them afresh, which at worst spends one more day's budget.
 */

/** A map that forgets the entry used longest ago once it holds `capacity` entries. */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // A Map iterates in insertion order: inserting again makes it the most recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/** So many calls a UTC day. */
export class DailyBudget {
  private day = '';
  private spent = 0;
  private toldOn = '';

  constructor(private readonly limit: number) {}

  /** Whether a call may still be made today. */
  left(now: Date): boolean {
    this.roll(now);
    return this.spent < this.limit;
  }

  spend(now: Date): void {
    this.roll(now);
    this.spent++;
  }

  /** True the first time it is asked on a day: running out is said once a day, not once a mention. */
  firstRefusalToday(now: Date): boolean {
    const day = utcDay(now);
    if (this.toldOn === day) return false;
    this.toldOn = day;
    return true;
  }

  private roll(now: Date): void {
    const day = utcDay(now);
    if (day === this.day) return;
    this.day = day;
    this.spent = 0;
  }
}

/**
 * After `threshold` failures in a row, no calls for `pauseMs`; then one trial
 * call, and only its success lets the others through again. A model that is
 * down then costs each mention nothing instead of a whole timeout.
 */
export class CircuitBreaker {
  private state: 'closed' | 'open' | 'trial' = 'closed';
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly threshold = 5,
    private readonly pauseMs = 60_000,
  ) {}

  /** Whether a call may go now; after a pause this lets exactly one through until it settles. */
  allows(now: Date): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'trial' || now.getTime() < this.openUntil) return false;
    this.state = 'trial';
    return true;
  }

  /** Returns true when the breaker was open or on trial: calls resume. */
  succeeded(): boolean {
    const resumed = this.state !== 'closed';
    this.state = 'closed';
    this.failures = 0;
    return resumed;
  }

  /** Returns true when this failure opened the breaker. */
  failed(now: Date): boolean {
    this.failures++;
    // A failure that was started before the breaker opened changes nothing: the pause stands as it is.
    if (this.state === 'open') return false;
    if (this.state === 'closed' && this.failures < this.threshold) return false;
    this.state = 'open';
    this.openUntil = now.getTime() + this.pauseMs;
    return true;
  }
}
