import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, type Mention, MentionSchema } from '../../src/contract/mention.js';

/**
 * A line of a dry run's input: a normalized mention, and optionally when the
 * business answered it in the history being replayed. The field lives here,
 * not in MentionSchema: ingest never receives it.
 */
const SimulationLineSchema = MentionSchema.extend({
  repliedAt: z.iso.datetime({ offset: true }).optional(),
});

export interface SimulationInput {
  mention: Mention;
  repliedAt?: Date;
}

/**
 * Reads a JSONL file of mentions; each line that cannot be read is a problem naming the file and line.
 * The mentions come back in time order, as a replay needs them (the order of equal times is kept).
 */
export function readMentionsFile(path: string): { inputs: SimulationInput[]; problems: string[] } {
  const inputs: SimulationInput[] = [];
  const problems: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      let parsed: ReturnType<typeof SimulationLineSchema.safeParse>;
      try {
        parsed = SimulationLineSchema.safeParse(JSON.parse(line));
      } catch (error) {
        problems.push(`${path}:${index + 1}: not JSON (${(error as Error).message})`);
        return;
      }
      if (!parsed.success) {
        problems.push(`${path}:${index + 1}: ${describeIssues(parsed.error)}`);
        return;
      }
      const { repliedAt, ...mention } = parsed.data;
      inputs.push(repliedAt ? { mention, repliedAt: new Date(repliedAt) } : { mention });
    });
  return { inputs: inTimeOrder(inputs), problems };
}

function inTimeOrder(inputs: SimulationInput[]): SimulationInput[] {
  return inputs
    .map((input, index) => ({ input, index, at: Date.parse(input.mention.createdAt) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ input }) => input);
}
