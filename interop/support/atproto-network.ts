import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AtpAgent, RichText } from '@atproto/api';
import { TestNetwork } from '@atproto/dev-env';
import pg from 'pg';

/** The server the run's private database is made on; the same default as the main suite's tests. */
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/postgres';
const REDIS_URL = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

export interface Account {
  did: string;
  handle: string;
  password: string;
  /** A client of the account's own, as the Bluesky app would be (not our code). */
  agent: AtpAgent;
}

export interface Post {
  uri: string;
  cid: string;
}

/** A post as the AppView shows it in its thread, with the uris of its ancestors, nearest first. */
export interface ThreadView {
  author: string;
  record: { text: string; reply?: unknown; facets?: unknown };
  ancestors: string[];
}

interface ThreadNode {
  post?: { uri: string; author: { did: string }; record: unknown };
  parent?: ThreadNode;
}

/** A real AT Protocol network on loopback: PLC, a PDS, and the AppView (bsky) that indexes the PDS. */
export interface AtprotoNetwork {
  /** The PDS: what Firsthand's BLUESKY_SERVICE points at. App views are proxied through it, as on bsky.social. */
  service: string;
  /** A fresh account on the PDS, with a display name. */
  createAccount(name: string, displayName?: string): Promise<Account>;
  /**
   * Posts as `author`, with mention and link facets resolved as the Bluesky app does, and waits until the
   * AppView has indexed it. The AppView indexes repos in parallel and notifies a reply's parent author only
   * if the parent is indexed already; a person replies to a post they have seen, so the wait is realistic.
   */
  post(
    author: Account,
    text: string,
    options?: { replyTo?: Post & { root?: Post }; createdAt?: string },
  ): Promise<Post>;
  /** getPostThread on the AppView (through the PDS, as `viewer`) for `uri`. */
  thread(viewer: Account, uri: string): Promise<ThreadView>;
  /** Waits until the AppView has indexed everything the PDS has written, e.g. a reply made by our code. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function onAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Boots dev-env's TestNetwork (its Ozone comes along: TestNetwork always starts one) on a database of its
 * own, `interop_<pid>_<time>`, dropped again by close(). The PDS keeps its repos and blobs in a private
 * temporary directory, removed by close() too.
 */
export async function startAtprotoNetwork(): Promise<AtprotoNetwork> {
  const database = `interop_${process.pid}_${Date.now()}_${randomBytes(2).toString('hex')}`;
  await onAdmin(`create database ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  // dev-env puts the PDS's files under os.tmpdir(), which reads TMPDIR at each call.
  const previousTmp = process.env.TMPDIR;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'firsthand-interop-'));
  process.env.TMPDIR = tmp;
  // TestNetwork.create asserts REDIS_HOST is set (host:port).
  process.env.REDIS_HOST ??= `${REDIS_URL.hostname}:${REDIS_URL.port || '6379'}`;
  let network: TestNetwork;
  try {
    network = await TestNetwork.create({ dbPostgresUrl: url.toString(), dbPostgresSchema: 'interop' });
  } catch (error) {
    await onAdmin(`drop database if exists ${database} with (force)`).catch(() => {});
    await rm(tmp, { recursive: true, force: true });
    throw error;
  } finally {
    if (previousTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmp;
  }
  const service = network.pds.url;
  let accounts = 0;

  return {
    service,
    async createAccount(name, displayName) {
      const handle = `${name}${++accounts}.test`;
      const password = `password-${randomBytes(6).toString('hex')}`;
      const agent = new AtpAgent({ service });
      const { data } = await agent.createAccount({
        handle,
        email: `${name}${accounts}@example.com`,
        password,
      });
      if (displayName) await agent.upsertProfile((profile) => ({ ...profile, displayName }));
      return { did: data.did, handle, password, agent };
    },
    async post(author, text, options = {}) {
      const rich = new RichText({ text });
      await rich.detectFacets(author.agent);
      const parent = options.replyTo;
      const posted = await author.agent.post({
        text: rich.text,
        ...(rich.facets ? { facets: rich.facets } : {}),
        ...(parent
          ? {
              reply: {
                root: { uri: (parent.root ?? parent).uri, cid: (parent.root ?? parent).cid },
                parent: { uri: parent.uri, cid: parent.cid },
              },
            }
          : {}),
        createdAt: options.createdAt ?? new Date().toISOString(),
      });
      await network.processAll();
      return posted;
    },
    async thread(viewer, uri) {
      const { data } = await viewer.agent.getPostThread({ uri, depth: 0, parentHeight: 20 });
      const node = data.thread as ThreadNode;
      if (!node.post) throw new Error(`the AppView has no thread for ${uri}`);
      const ancestors: string[] = [];
      for (let up = node.parent; up?.post; up = up.parent) ancestors.push(up.post.uri);
      return { author: node.post.author.did, record: node.post.record as ThreadView['record'], ancestors };
    },
    settle: () => network.processAll(),
    async close() {
      try {
        await network.close();
      } finally {
        await onAdmin(`drop database if exists ${database} with (force)`);
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}
