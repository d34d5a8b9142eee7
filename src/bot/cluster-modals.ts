import type { KnownBlock, View } from '@slack/types';
import { z } from 'zod';
import { CLUSTER_ACTIONS_BLOCK, CLUSTER_REPLY_MODAL } from './action-ids.js';
import { LIMITS, networkName } from './blocks.js';
import { truncate } from './mrkdwn.js';

/**
 * The codec and the pure builders of a storm cluster's forms: reply to all,
 * and split one off. The cluster's id travels in the button's value, the
 * menu's block_id (`fh.cl.<id>`) and the forms' private_metadata.
 */
export const CLUSTER_SPLIT_MODAL = 'fh.cl.split_modal';
export const CLUSTER_REPLY_INPUT = { block: 'cl_reply', action: 'text' } as const;
export const CLUSTER_SPLIT_INPUT = { block: 'cl_split', action: 'mention' } as const;

const ClusterId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export function parseClusterId(value: unknown): number {
  return ClusterId.parse(typeof value === 'string' && /^\d+$/.test(value) ? value : undefined);
}

export function clusterIdFromBlockId(blockId: unknown): number {
  const raw =
    typeof blockId === 'string' && blockId.startsWith(CLUSTER_ACTIONS_BLOCK)
      ? blockId.slice(CLUSTER_ACTIONS_BLOCK.length)
      : undefined;
  return parseClusterId(raw);
}

const ClusterModalMetadata = z.object({ clusterId: z.number().int().positive() });

export const encodeClusterMetadata = (clusterId: number) => JSON.stringify({ clusterId });

export function decodeClusterMetadata(raw: string): number {
  return ClusterModalMetadata.parse(JSON.parse(raw)).clusterId;
}

export const parseMentionChoice = (value: unknown): string => z.string().uuid().parse(value);

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: truncate(text, max) });

/** "Reply to all with…": one text for every member, each network's limit said up front. */
export function clusterReplyModal(input: {
  clusterId: number;
  count: number;
  networks: { network: string; count: number; limit: { max: number; unit: string } }[];
}): View {
  const limits = input.networks
    .map((n) => `${networkName(n.network)} (${n.count}): ${n.limit.max} ${n.limit.unit}`)
    .join(' · ');
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `One answer to the ${input.count} people who told this story, posted as a reply to each of them on their network. Anyone already answered is left out.`,
          LIMITS.text,
        ),
      },
    },
    {
      type: 'input',
      block_id: CLUSTER_REPLY_INPUT.block,
      label: plain('Reply', 2000),
      element: {
        type: 'plain_text_input',
        action_id: CLUSTER_REPLY_INPUT.action,
        multiline: true,
        max_length: 3000,
      },
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `Limits, with the @mention added where the network needs it: ${limits || 'none yet'}. Where it is too long it is not sent, and the results in the storm thread say so.`,
            LIMITS.text,
          ),
        },
      ],
    },
  ];
  return {
    type: 'modal',
    callback_id: CLUSTER_REPLY_MODAL,
    private_metadata: encodeClusterMetadata(input.clusterId),
    title: plain('Reply to all', LIMITS.viewTitle),
    submit: plain('Send to all', LIMITS.viewTitle),
    close: plain('Cancel', LIMITS.viewTitle),
    blocks,
  };
}

/** "Split one off": the latest members, each by its author and the start of its words. */
export function clusterSplitModal(input: {
  clusterId: number;
  members: { mentionId: string; network: string; handle: string; text: string }[];
}): View {
  const options = input.members.slice(0, 100).map((m) => ({
    text: plain(`@${m.handle} (${networkName(m.network)}): ${m.text.replace(/\s+/g, ' ')}`, 75),
    value: m.mentionId,
  }));
  return {
    type: 'modal',
    callback_id: CLUSTER_SPLIT_MODAL,
    private_metadata: encodeClusterMetadata(input.clusterId),
    title: plain('Split one off', LIMITS.viewTitle),
    submit: plain('Split off', LIMITS.viewTitle),
    close: plain('Cancel', LIMITS.viewTitle),
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'The mention you pick leaves this story and gets a card of its own, routed like any other.',
        },
      },
      {
        type: 'input',
        block_id: CLUSTER_SPLIT_INPUT.block,
        label: plain('Mention', 2000),
        element: {
          type: 'static_select',
          action_id: CLUSTER_SPLIT_INPUT.action,
          placeholder: plain('The latest, newest first', LIMITS.placeholder),
          options,
        },
      },
    ],
  };
}
