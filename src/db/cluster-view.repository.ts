import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from './client.js';

/** What a cluster's message shows, read when it is sent (bot/storm-blocks.ts). */
export interface ClusterView {
  id: number;
  stormId: number;
  status: 'open' | 'spam' | 'merged';
  assigneeId: string | null;
  count: number;
  networks: { network: string; count: number }[];
  sentiments: { sentiment: string; count: number }[];
  /** The posts most said, in their words: the same text repeated first, then the earliest. */
  posts: {
    mentionId: string;
    network: string;
    handle: string;
    text: string;
    url: string | null;
    said: number;
  }[];
  influential: { network: string; handle: string; followers: number }[];
  replied: number;
  /** Members routing sent to the owner, by why. */
  forOwner: { why: string; count: number }[];
}

export async function loadClusterView(db: Executor, clusterId: number): Promise<ClusterView | undefined> {
  const [row] = await queryRows<{ view: ClusterView | null }>(
    db,
    sql`with members as (
        select m.id, m.network, m.author_handle, m.author_followers, m.text, m.url, c.sentiment, c.joined_at,
          m.conversation_id, c.for_owner
        from cluster_members c join mentions m on m.id = c.mention_id
        where c.cluster_id = ${clusterId} and c.split_at is null
      )
      select json_build_object(
        'id', k.id, 'stormId', k.storm_id, 'status', k.status, 'assigneeId', k.assignee_id,
        'count', (select count(*) from members),
        'networks', coalesce((select json_agg(json_build_object('network', network, 'count', n) order by n desc)
          from (select network, count(*)::int as n from members group by network) g), '[]'),
        'sentiments', coalesce((select json_agg(json_build_object('sentiment', sentiment, 'count', n) order by n desc)
          from (select sentiment, count(*)::int as n from members group by sentiment) g), '[]'),
        'posts', coalesce((select json_agg(json_build_object('mentionId', id, 'network', network,
            'handle', author_handle, 'text', text, 'url', url, 'said', said) order by said desc, joined_at)
          from (select * from (select distinct on (lower(text)) id, network, author_handle, text, url, joined_at,
              count(*) over (partition by lower(text))::int as said
            from members order by lower(text), joined_at) d order by said desc, joined_at limit 3) g), '[]'),
        'influential', coalesce((select json_agg(json_build_object('network', network, 'handle', author_handle,
            'followers', followers) order by followers desc)
          from (select network, author_handle, max(author_followers) as followers from members
            where author_followers is not null group by network, author_handle
            order by max(author_followers) desc limit 3) g), '[]'),
        'forOwner', coalesce((select json_agg(json_build_object('why', for_owner, 'count', n) order by n desc)
          from (select for_owner, count(*)::int as n from members where for_owner is not null group by for_owner) g), '[]'),
        -- Mentions answered, not replies: a customer answered twice (the story's reply, then their own) is one.
        'replied', (select count(*) from members mm
          where exists (select 1 from replies r where r.mention_id = mm.id and r.status = 'posted'))::int
      ) as view
      from story_clusters k where k.id = ${clusterId}`,
  );
  return row?.view ?? undefined;
}

/** A storm's clusters, largest first, with what became of them: for the owner's DM and the summary. */
export interface StormClusterLine {
  id: number;
  count: number;
  assigneeId: string | null;
  status: 'open' | 'spam' | 'merged';
  replied: number;
  /** The post most said, for a label. */
  sample: string;
}

export async function listStormClusters(db: Executor, stormId: number): Promise<StormClusterLine[]> {
  return queryRows<StormClusterLine>(
    db,
    sql`select k.id::int as id, k.assignee_id as "assigneeId", k.status,
        count(c.mention_id)::int as count,
        count(c.mention_id) filter (where exists (select 1 from replies r
          where r.mention_id = c.mention_id and r.status = 'posted'))::int as replied,
        coalesce((select m.text from cluster_members c2 join mentions m on m.id = c2.mention_id
          where c2.cluster_id = k.id and c2.split_at is null order by c2.joined_at limit 1), '') as sample
      from story_clusters k
      left join cluster_members c on c.cluster_id = k.id and c.split_at is null
      where k.storm_id = ${stormId} and k.status <> 'merged'
      group by k.id order by count(c.mention_id) desc`,
  );
}

/** A storm's figures for its owner's DM and summary: how many, in clusters and on cards, the rate's direction. */
export interface StormTally {
  mentions: number;
  clustered: number;
  lastFiveMinutes: number;
  fiveMinutesBefore: number;
  /** Conversations opened during the storm (own cards), and how many are still open. */
  cards: number;
  cardsOpen: number;
  /** Who answered during the storm, and how many replies each. */
  answeredBy: { staffId: string; replies: number }[];
}

export async function stormTally(db: Executor, stormId: number, now: Date): Promise<StormTally> {
  const [row] = await queryRows<{ tally: StormTally }>(
    db,
    sql`with s as (
        -- Counted from the minute that set it off: the mentions that made it a storm are in it.
        select started_at - interval '1 minute' as started_at,
          coalesce(ended_at, ${now.toISOString()}::timestamptz) as until
        from storms where id = ${stormId})
      select json_build_object(
        'mentions', (select count(*) from mentions, s where received_at >= s.started_at and received_at <= s.until),
        'clustered', (select count(*) from cluster_members c join story_clusters k on k.id = c.cluster_id
          where k.storm_id = ${stormId} and c.split_at is null),
        'lastFiveMinutes', (select count(*) from mentions, s where received_at > s.until - interval '5 minutes' and received_at <= s.until),
        'fiveMinutesBefore', (select count(*) from mentions, s where received_at > s.until - interval '10 minutes'
          and received_at <= s.until - interval '5 minutes'),
        'cards', (select count(*) from conversations, s where opened_at >= s.started_at and opened_at <= s.until and status <> 'spam'),
        'cardsOpen', (select count(*) from conversations, s where opened_at >= s.started_at and opened_at <= s.until
          and closed_at is null and status in ('open', 'waiting')),
        'answeredBy', coalesce((select json_agg(json_build_object('staffId', staff_id, 'replies', n) order by n desc)
          from (select staff_id, count(*)::int as n from replies, s where replies.status = 'posted'
            and replies.posted_at >= s.started_at group by staff_id) g), '[]')
      ) as tally from s`,
  );
  return row!.tally;
}
