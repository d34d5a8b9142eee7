import type { WebClient } from '@slack/web-api';
import { AppError, notReady } from '../contract/errors.js';
import type { StormFigures } from '../contract/events.js';
import type { SlackWork } from '../contract/slack-work.js';
import type { Database, Executor, Tx } from '../db/client.js';
import { findBatchMessage, listBatchReplies } from '../db/cluster-actions.repository.js';
import { listStormClusters, loadClusterView, stormTally } from '../db/cluster-view.repository.js';
import type { OutboxRow } from '../db/slack-outbox.repository.js';
import { listDueAlike } from '../db/slack-outbox-queries.repository.js';
import { oweSlack } from '../db/slack-owed.repository.js';
import { findOwner } from '../db/staff.repository.js';
import {
  type ClusterRow,
  findCluster,
  findStorm,
  markClusterShown,
  nextStoryToShow,
  recordClusterTs,
  recordOwnerDm,
  recordStormTs,
  type StormRow,
} from '../db/storms.repository.js';
import type { Delivery } from './slack-deliveries.js';
import {
  clusterMessage,
  clusterRepliesMessage,
  stormOwnerMessage,
  stormRootMessage,
  stormSummaryMessage,
  storyGivenMessage,
} from './storm-blocks.js';

export interface StormDeliveryDeps {
  db: Database;
  slack: WebClient;
  channelId: string;
  now: () => Date;
  links: () => Promise<(channel: string, ts: string) => string | undefined>;
  channelMessagesPerSecond?: number | undefined;
}

type StormWork = Extract<
  SlackWork,
  {
    type:
      | 'storm'
      | 'storm_summary'
      | 'storm_owner'
      | 'cluster'
      | 'cluster_dm'
      | 'cluster_replies'
      | 'storm_stories';
  }
>;

/** What a storm's row comes to: its root, a cluster's message (posted, then updated), the owner's DM, the summary. */
export async function renderStormWork(
  deps: StormDeliveryDeps,
  row: OutboxRow,
  work: StormWork,
): Promise<Delivery> {
  switch (work.type) {
    case 'storm':
      return stormRoot(deps, work.stormId);
    case 'cluster':
      return cluster(deps, row, work.clusterId);
    case 'storm_stories':
      return storyTurn(deps, work);
    case 'storm_owner':
      return ownerDm(deps, work.stormId, work.user);
    case 'storm_summary':
      return summary(deps, work.stormId);
    case 'cluster_replies':
      return clusterReplies(deps, row, work);
    case 'cluster_dm':
      return storyGiven(deps, work);
  }
}

/** The person a story was given to hears of it, with a link to the story's message, while it is still theirs. */
async function storyGiven(
  deps: StormDeliveryDeps,
  work: Extract<StormWork, { type: 'cluster_dm' }>,
): Promise<Delivery> {
  const [found, view, links] = await Promise.all([
    findCluster(deps.db, work.clusterId),
    loadClusterView(deps.db, work.clusterId),
    deps.links(),
  ]);
  if (!found || !view || found.status !== 'open' || found.assigneeId !== work.user)
    return { call: 'none', why: 'the story is no longer theirs' };
  const link = found.slackTs ? links(deps.channelId, found.slackTs) : undefined;
  return { call: 'post', to: { dm: work.user }, message: storyGivenMessage({ view, by: work.by, link }) };
}

async function stormOf(db: Executor, id: number): Promise<StormRow> {
  const storm = await findStorm(db, id);
  if (!storm) throw new AppError('storm.missing', `storm ${id} is not stored`);
  return storm;
}

const figuresOf = (storm: StormRow) => storm.startFigures as unknown as StormFigures & { reasons?: string[] };

// Its place in Slack is recorded with the post that made it: a message that goes under it waits till then.
const rootPending = () => notReady('the storm root is not in Slack yet');

async function stormRoot(deps: StormDeliveryDeps, stormId: number): Promise<Delivery> {
  const storm = await stormOf(deps.db, stormId);
  const owner = await findOwner(deps.db);
  return {
    call: 'post',
    to: { channel: deps.channelId },
    message: stormRootMessage({ ownerId: owner?.id, figures: figuresOf(storm) }),
    recorded: (tx, ts) => recordStormTs(tx, stormId, ts!),
  };
}

// The storm thread shows one story every third message a channel may take, and cards the rest.
const STORY_TURN_MESSAGES = 3;

/**
 * The storm thread's turn: the story furthest behind in Slack is posted or
 * updated, and the next turn owed, for as long as the storm lasts or a story
 * is behind. A cluster folded away that was shown says where its story went.
 */
async function storyTurn(
  deps: StormDeliveryDeps,
  work: Extract<SlackWork, { type: 'storm_stories' }>,
): Promise<Delivery> {
  const storm = await stormOf(deps.db, work.stormId);
  if (!storm.slackTs) throw rootPending();
  const now = deps.now();
  const turnMs = (STORY_TURN_MESSAGES * 1000) / Math.max(1, deps.channelMessagesPerSecond ?? 1);
  const clusterId = await nextStoryToShow(deps.db, storm.id, now);
  const next = async (tx: Tx) => {
    if (storm.endedAt && clusterId === undefined) return;
    // Ahead of the cards waiting, but only every few seconds: its share of the pace, whatever the backlog.
    await oweSlack(tx, [
      { work: { ...work, turn: work.turn + 1 }, priority: -1, at: new Date(now.getTime() + turnMs) },
    ]);
  };
  const found = clusterId === undefined ? undefined : await findCluster(deps.db, clusterId);
  if (!found) return { call: 'none', why: 'every story is shown', recorded: next };
  const shown = await showCluster(deps, storm, found, []);
  return {
    ...shown,
    recorded: async (tx, ts) => {
      await shown.recorded?.(tx, ts);
      await next(tx);
    },
  };
}

/** A cluster's message brought up to date at once, after someone acted on its story. */
async function cluster(deps: StormDeliveryDeps, row: OutboxRow, clusterId: number): Promise<Delivery> {
  const found = await findCluster(deps.db, clusterId);
  if (!found) return { call: 'none', why: 'no such cluster' };
  const storm = await stormOf(deps.db, found.stormId);
  if (!storm.slackTs) throw rootPending();
  return showCluster(deps, storm, found, await listDueAlike(deps.db, row, { clusterId }, deps.now()));
}

/**
 * A cluster's message: posted in the storm's thread the first time, updated
 * in place after. The members it counted are shown, and the count kept.
 */
async function showCluster(
  deps: StormDeliveryDeps,
  storm: StormRow,
  found: ClusterRow,
  superseded: number[],
): Promise<Delivery> {
  if (found.status === 'merged' && !found.slackTs) return { call: 'none', why: 'folded before it was shown' };
  const clusterId = found.id;
  const view = await loadClusterView(deps.db, clusterId);
  if (!view) return { call: 'none', why: 'no such cluster' };
  const renderedAt = deps.now();
  const shown = (tx: Tx) =>
    markClusterShown(tx, clusterId, { upTo: renderedAt, count: view.count }, deps.now());
  const message = clusterMessage(view);
  if (found.slackTs)
    return {
      call: 'update',
      channel: deps.channelId,
      ts: found.slackTs,
      message,
      superseded,
      recorded: shown,
    };
  return {
    call: 'post',
    to: { channel: deps.channelId },
    threadTs: storm.slackTs!,
    message,
    superseded,
    recorded: async (tx, ts) => {
      await recordClusterTs(tx, clusterId, ts!);
      await shown(tx);
    },
  };
}

async function ownerDm(deps: StormDeliveryDeps, stormId: number, user: string): Promise<Delivery> {
  const storm = await stormOf(deps.db, stormId);
  const now = deps.now();
  const [tally, clusters, links] = await Promise.all([
    stormTally(deps.db, stormId, now),
    listStormClusters(deps.db, stormId),
    deps.links(),
  ]);
  const message = stormOwnerMessage({
    figures: figuresOf(storm),
    tally,
    clusters,
    ended: storm.endedAt !== null,
    link: storm.slackTs ? links(deps.channelId, storm.slackTs) : undefined,
  });
  if (storm.ownerChannel && storm.ownerTs)
    return { call: 'update', channel: storm.ownerChannel, ts: storm.ownerTs, message };
  // The DM's channel is kept with its ts, for the updates after it.
  const opened = await deps.slack.conversations.open({ users: user });
  const channel = opened.channel?.id;
  if (!channel) throw new AppError('storm.no_dm', `no DM channel for ${user}`, true);
  return {
    call: 'post',
    to: { channel },
    message,
    recorded: (tx, ts) => recordOwnerDm(tx, stormId, channel, ts!),
  };
}

async function summary(deps: StormDeliveryDeps, stormId: number): Promise<Delivery> {
  const storm = await stormOf(deps.db, stormId);
  if (!storm.slackTs) throw rootPending();
  const [tally, clusters] = await Promise.all([
    stormTally(deps.db, stormId, deps.now()),
    listStormClusters(deps.db, stormId),
  ]);
  return {
    call: 'post',
    to: { channel: deps.channelId },
    threadTs: storm.slackTs,
    message: stormSummaryMessage({ tally, clusters }),
  };
}

/**
 * The results of one reply to all: posted in the storm thread by the batch's
 * first row (`cr-<batch>`, which keeps its ts and the members left out), and
 * updated in place by the rows owed as its replies are posted or fail.
 */
async function clusterReplies(
  deps: StormDeliveryDeps,
  row: OutboxRow,
  work: Extract<SlackWork, { type: 'cluster_replies' }>,
): Promise<Delivery> {
  const first = row.key === `cr-${work.batch}` ? row : await findBatchMessage(deps.db, work.batch);
  if (!first) return { call: 'none', why: 'no such reply batch' };
  const posted = first.id !== row.id && first.outcome === 'sent' && first.ts ? first.ts : undefined;
  if (first.id !== row.id && !posted) {
    if (first.doneAt) return { call: 'none', why: 'the results message could not be posted' };
    throw notReady('the reply batch’s results are not in Slack yet');
  }
  // Listed before the replies are read: whatever they were owed for is in what is read after.
  const superseded = await listDueAlike(deps.db, row, { batch: work.batch }, deps.now());
  const notSent = (first.work as Extract<SlackWork, { type: 'cluster_replies' }>).notSent ?? [];
  const message = clusterRepliesMessage({
    replies: await listBatchReplies(deps.db, work.clusterId, work.batch),
    notSent,
  });
  if (posted) return { call: 'update', channel: deps.channelId, ts: posted, message, superseded };
  const found = await findCluster(deps.db, work.clusterId);
  if (!found) return { call: 'none', why: 'no such cluster' };
  const storm = await stormOf(deps.db, found.stormId);
  if (!storm.slackTs) throw rootPending();
  return { call: 'post', to: { channel: deps.channelId }, threadTs: storm.slackTs, message, superseded };
}
