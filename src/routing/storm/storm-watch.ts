import type { Logger } from 'pino';
import type { StormFigures } from '../../contract/events.js';
import type { Database, Executor } from '../../db/client.js';
import { oweSlack } from '../../db/slack-owed.repository.js';
import { findOwner } from '../../db/staff.repository.js';
import {
  closeStorm,
  countLastMinute,
  createCluster,
  findOpenStorm,
  joinCluster,
  listClusterStates,
  listClusters,
  lockStorm,
  mergeClusters,
  openStorm,
  type StormRow,
  saveClusterSignatures,
  setCalmSince,
  usualPerMinute,
} from '../../db/storms.repository.js';
import type { Policy } from '../compiled-policy.js';
import { detectStorm, MoodWindow } from './storm-detect.js';
import { StoryClusters, type StorySignature } from './story-clusters.js';

export interface StormWatchDeps {
  db: Database;
  now: () => Date;
  policy: Policy;
  logger?: Logger;
}

// How stale the storm a router routes by may be, and how often the rate is measured while mentions flow:
// quickly while there is none, so the first seconds of a storm are not a card each.
const LOOK_EVERY_MS = 1000;
const LOOK_WHILE_CALM_MS = 250;
// The usual rate for the hour of the week changes slowly: measured again after this long.
const USUAL_EVERY_MS = 10 * 60_000;
// Held mentions remembered at most: the recent ones the story index keeps.
const HELD_KEPT = 5000;
// The owner's DM about an open storm is brought up to date at most this often.
const OWNER_UPDATE_MS = 30_000;

/** A mention the router may count in a story: what it said, and how it felt. */
export interface StormCandidate {
  mentionId: string;
  text: string;
  sentiment: string;
  /** Routing sent it to the owner: it is never held, and takes the story it joins to the owner. */
  forOwner?: { ownerId: string; why: string } | undefined;
}

/**
 * A router's view of the weather: it measures the team's rate of mentions
 * and the mood of those it reads, opens and closes storms (at most one is
 * open, whichever router sees it first), and during one places the mentions
 * routing would give a card of their own in the clusters of their story.
 * Its index of stories is rebuilt from PostgreSQL, so a restart or a second
 * router places mentions as the first did.
 */
export class StormWatch {
  private readonly mood = new MoodWindow();
  private readonly stories = new StoryClusters();
  private storm: StormRow | undefined;
  private lookedAt = 0;
  private looking: Promise<void> | undefined;
  private usual: { at: number; perMinute: number } | undefined;
  private indexOf: number | undefined;
  private syncedUpTo = 0;
  private syncedAt = 0;
  private ownerToldAt = 0;
  /** Mentions held in a storm, with their mood, until their story finds them or their hold ends. */
  private readonly held = new Map<string, string>();

  constructor(private readonly deps: StormWatchDeps) {}

  /** A mention was read: its mood counts towards the next reading. */
  noteMood(at: Date, sentiment: string): void {
    this.mood.add(at, sentiment === 'negative');
  }

  /** The open storm, as measured within the last second; none while storms are off (the sweep ends one). */
  async current(): Promise<StormRow | undefined> {
    if (!this.deps.policy.file.storm.enabled) return undefined;
    if (Date.now() - this.lookedAt >= (this.storm ? LOOK_EVERY_MS : LOOK_WHILE_CALM_MS)) await this.look();
    return this.storm;
  }

  /** Measures now, whatever the last look: the router's sweep calls it while nothing arrives. */
  look(): Promise<void> {
    this.looking ??= this.measure().finally(() => {
      this.looking = undefined;
    });
    return this.looking;
  }

  private async measure(): Promise<void> {
    const { db, policy } = this.deps;
    const now = this.deps.now();
    this.lookedAt = Date.now();
    const [open, perMinute, baselinePerMinute] = await Promise.all([
      findOpenStorm(db),
      countLastMinute(db, now),
      this.usualPerMinute(now),
    ]);
    const figures: StormFigures = { perMinute, baselinePerMinute, ...this.mood.shares(now) };
    const step = detectStorm(
      figures,
      open ? { id: open.id, startedAt: open.startedAt, calmSince: open.calmSince } : undefined,
      policy,
      now,
    );
    this.storm = open;
    switch (step.step) {
      case 'start':
        this.storm =
          (await db.transaction((tx) => openStorm(tx, now, figures, step.reasons))) ??
          (await findOpenStorm(db));
        if (this.storm) this.deps.logger?.warn({ stormId: this.storm.id, ...figures }, 'storm started');
        break;
      case 'calm':
      case 'stormy':
        await setCalmSince(db, open!.id, step.step === 'calm' ? now : null);
        break;
      case 'end':
        if (await db.transaction((tx) => closeStorm(tx, open!.id, now, figures, step.reasons)))
          this.deps.logger?.info({ stormId: open!.id, ...figures }, 'storm ended');
        this.storm = undefined;
        break;
      case 'none':
        break;
    }
    if (this.storm) await this.tellOwner(this.storm, now);
  }

  private async usualPerMinute(now: Date): Promise<number> {
    if (!this.usual || Math.abs(now.getTime() - this.usual.at) > USUAL_EVERY_MS)
      this.usual = { at: now.getTime(), perMinute: await usualPerMinute(this.deps.db, now) };
    return this.usual.perMinute;
  }

  /** The owner's one DM, brought up to date every half minute while the storm lasts (keyed, so once a window). */
  private async tellOwner(storm: StormRow, now: Date): Promise<void> {
    // By the app's clock, as the storm's own times are; its first DM was owed when it opened.
    if (now.getTime() - storm.startedAt.getTime() < OWNER_UPDATE_MS) return;
    if (Math.abs(now.getTime() - this.ownerToldAt) < OWNER_UPDATE_MS) return;
    this.ownerToldAt = now.getTime();
    const window = Math.floor(now.getTime() / OWNER_UPDATE_MS);
    const owner = await findOwner(this.deps.db);
    if (owner)
      await oweSlack(this.deps.db, [
        { work: { type: 'storm_owner', stormId: storm.id, user: owner.id }, key: `so-${storm.id}-${window}` },
      ]);
  }

  /**
   * During `storm`, counts `mention` in its story's cluster if it tells one
   * (opening the cluster with the earlier mention it pairs with), and says
   * which; undefined: it tells its own story (or was split off one) and routing gives it a card.
   */
  async place(storm: StormRow, mention: StormCandidate, at: Date): Promise<number | undefined> {
    const placed = await this.placeOrHold(storm, mention, at, false);
    return placed === 'held' ? undefined : placed;
  }

  /**
   * As `place`, but a mention that tells no known story yet may be held
   * ('held'): left unrouted for the caller to route again after a moment,
   * while the next mention of its story can pair with it.
   */
  async placeOrHold(
    storm: StormRow,
    mention: StormCandidate,
    at: Date,
    mayHold: boolean,
  ): Promise<number | 'held' | undefined> {
    await this.sync(storm.id);
    this.stories.forgetRecent(mention.mentionId);
    this.held.delete(mention.mentionId);
    const signature = this.stories.signatureOf(mention.text);
    const placement = this.stories.placeSignature(signature);
    if (placement.kind === 'alone') {
      if (!mayHold || mention.forOwner || signature.length === 0) return undefined;
      // Held a moment unrouted: the next mention of its story pairs with it, and both join the cluster.
      this.stories.noteAlone(mention.mentionId, signature);
      this.held.set(mention.mentionId, mention.sentiment);
      if (this.held.size > HELD_KEPT) this.held.delete(this.held.keys().next().value!);
      return 'held';
    }
    if (placement.kind === 'cluster' && placement.bridges.length === 0)
      return this.join(Number(placement.clusterId), mention, signature, at);
    // A pair opens a cluster, and a mention that tells two clusters' story folds them into one: under
    // the storm's lock, once the other routers' clusters are known, so two routers do it once.
    const { db } = this.deps;
    const placed = await db.transaction(async (tx) => {
      await lockStorm(tx, storm.id);
      await this.sync(storm.id, tx, { force: true });
      const again = this.stories.placeSignature(signature);
      if (again.kind === 'alone') return undefined;
      if (again.kind === 'cluster') {
        if (again.bridges.length > 0) {
          this.stories.noteMerged(again.clusterId, again.bridges);
          await mergeClusters(
            tx,
            Number(again.clusterId),
            again.bridges.map(Number),
            this.signaturesOf(again.clusterId),
          );
        }
        return { clusterId: Number(again.clusterId) };
      }
      const partner = this.stories.recentMentions().find((r) => r.id === again.withId);
      const signatures = [partner?.signature, signature]
        .filter((s): s is StorySignature => !!s)
        .map((s) => [...s]);
      const created = await createCluster(tx, storm.id, signatures, at);
      // A partner still held joins too; one routed already (a card) stays where it is.
      const sentiment = this.held.get(again.withId);
      if (sentiment !== undefined)
        await joinCluster(tx, {
          mentionId: again.withId,
          clusterId: created.id,
          sentiment,
          at,
        });
      return { clusterId: created.id, opened: { signatures, partner: again.withId } };
    });
    if (placed === undefined) return undefined;
    // Known to this router's other jobs only once committed: none of them joins a cluster not there yet.
    if (placed.opened) {
      this.stories.openCluster(
        { clusterId: String(placed.clusterId), signatures: placed.opened.signatures },
        [placed.opened.partner],
      );
      this.held.delete(placed.opened.partner);
      this.syncedUpTo = Math.max(this.syncedUpTo, placed.clusterId);
    }
    const clusterId = placed.clusterId;
    return this.join(clusterId, mention, signature, at);
  }

  private signaturesOf(clusterId: string): number[][] {
    return (this.stories.seedOf(clusterId)?.signatures ?? []).map((s) => [...s]);
  }

  /** A mention routing gave its own card: a candidate for the next ones to pair with, while storms are on. */
  noteAlone(mentionId: string, text: string): void {
    if (this.deps.policy.file.storm.enabled)
      this.stories.noteAlone(mentionId, this.stories.signatureOf(text));
  }

  private async join(
    clusterId: number,
    mention: StormCandidate,
    signature: StorySignature,
    at: Date,
  ): Promise<number | undefined> {
    const joined = await this.deps.db.transaction((tx) =>
      joinCluster(tx, {
        mentionId: mention.mentionId,
        clusterId,
        sentiment: mention.sentiment,
        at,
        forOwner: mention.forOwner,
      }),
    );
    if (!joined) return undefined;
    const before = this.signaturesOf(String(clusterId)).length;
    this.stories.noteJoined(String(clusterId), signature);
    const signatures = this.signaturesOf(String(clusterId));
    // A new exemplar is kept in PostgreSQL too, so a restarted router finds this wording.
    if (signatures.length !== before) await saveClusterSignatures(this.deps.db, clusterId, signatures);
    return clusterId;
  }

  /**
   * Brings the index up to the clusters in PostgreSQL: all of them for a new
   * storm, the new ones after, and the ones another router folded away.
   */
  private async sync(
    stormId: number,
    db: Executor = this.deps.db,
    options = { force: false },
  ): Promise<void> {
    if (this.indexOf === stormId && !options.force && Date.now() - this.syncedAt < LOOK_EVERY_MS) return;
    this.syncedAt = Date.now();
    if (this.indexOf !== stormId) {
      for (const seed of this.stories.seeds()) this.stories.forgetCluster(seed.clusterId);
      this.indexOf = stormId;
      this.syncedUpTo = 0;
    }
    const [added, states] = await Promise.all([
      listClusters(db, stormId, this.syncedUpTo),
      listClusterStates(db, stormId),
    ]);
    for (const cluster of added) {
      if (cluster.status !== 'merged')
        this.stories.openCluster({ clusterId: String(cluster.id), signatures: cluster.signatures });
      this.syncedUpTo = Math.max(this.syncedUpTo, cluster.id);
    }
    for (const state of states)
      if (state.status === 'merged' && this.stories.seedOf(String(state.id)))
        this.stories.noteMerged(String(state.mergedInto), [String(state.id)]);
  }
}
