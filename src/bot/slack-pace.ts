/**
 * Slack's pace, kept in memory by the one sender that holds the lease: about
 * a message a second in each channel (Slack counts from the last message, so
 * calls are spaced a little over that), at most `perChannel` calls in flight
 * in one channel, and the workspace-wide calls a second. A 429 holds its
 * channel back until Slack's Retry-After.
 */
export class SlackPace {
  private readonly spacingMs: number;
  private readonly callSpacingMs: number;
  readonly perChannel: number;
  private readonly freeAt = new Map<string, number>();
  /** Each channel's free time before its last slot was taken, to give an unused slot back. */
  private readonly freeBefore = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private callAt = 0;

  constructor(options: { channelMessagesPerSecond?: number; callsPerSecond?: number; maxInFlight: number }) {
    const perSecond = Math.max(1, options.channelMessagesPerSecond ?? 1);
    // A margin on Slack's spacing, as calls reach it a little apart from when they left.
    this.spacingMs = Math.floor((1000 / perSecond) * 1.05);
    this.callSpacingMs = 1000 / Math.max(1, options.callsPerSecond ?? 10);
    this.perChannel = Math.max(1, Math.min(options.maxInFlight, Math.floor(perSecond)));
  }

  /** Takes a slot for a call to `channel` (undefined: a call no channel paces), or says it must wait. */
  take(channel: string | undefined, now: number): boolean {
    // Within a millisecond's slack: a pace lifted past a call a millisecond lets several go in one.
    if (this.callAt - now >= 1) return false;
    if (channel) {
      if ((this.freeAt.get(channel) ?? 0) > now || (this.inFlight.get(channel) ?? 0) >= this.perChannel)
        return false;
      this.freeBefore.set(channel, this.freeAt.get(channel) ?? 0);
      this.freeAt.set(channel, now + this.spacingMs);
      this.inFlight.set(channel, (this.inFlight.get(channel) ?? 0) + 1);
    }
    this.callAt = Math.max(this.callAt, now) + this.callSpacingMs;
    return true;
  }

  /** The slot taken in `channel` made no call: the channel is free as it was before it. */
  unused(channel: string | undefined): void {
    if (!channel) return;
    const before = this.freeBefore.get(channel);
    if (before !== undefined) this.freeAt.set(channel, before);
  }

  /** The call that took a slot in `channel` is over. */
  done(channel: string | undefined): void {
    if (channel) this.inFlight.set(channel, Math.max(0, (this.inFlight.get(channel) ?? 1) - 1));
  }

  /** Slack answered 429 for `channel`: nothing more goes to it before `until` (ms). */
  holdBack(channel: string, until: number): void {
    this.freeAt.set(channel, Math.max(until, this.freeAt.get(channel) ?? 0));
  }

  /** How long until the next slot frees up, at most `idleMs`. */
  nextIn(now: number, idleMs: number): number {
    const waits = [...this.freeAt.values(), this.callAt].filter((at) => at > now);
    return Math.max(1, Math.min(...waits, now + idleMs) - now);
  }
}
