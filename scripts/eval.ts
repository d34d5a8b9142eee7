import path from 'node:path';
import { parseArgs } from 'node:util';
import { type SimulatedDecision, Simulator } from '../src/routing/simulator.js';
import { FileError } from '../src/routing/yaml-file.js';
import { loadCorpus } from './lib/corpus.js';
import { corpusSet, type EvalSet, loadSetDirectory, SetError } from './lib/eval-sets.js';
import {
  FIGURES,
  type Figures,
  LANES,
  missedThresholds,
  OUTCOMES,
  type People,
  parseThreshold,
  percent,
  type Report,
  score,
  type Threshold,
} from './lib/evaluation.js';

/**
 * Scores routing against the lanes a person expects, running the same
 * understand() and decide() as `npm run simulate`, in process:
 *
 *   npm run eval -- DIR [DIR…]       sets in the ../shared/eval format
 *   npm run eval -- --corpus dev     the labelled corpus (train, dev or all), routed with
 *                                    examples/team.yaml and examples/policy.yaml unless --team, --policy
 *   --min owner-recall=0.9 --max routine-to-owner=0.05 …   exit 1 when a set misses one
 *   --handle-minutes N               as simulate (default 60)
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const USAGE =
  'usage: npm run eval -- [DIR…] [--corpus train|dev|all [--team FILE] [--policy FILE]] ' +
  '[--min figure=value…] [--max figure=value…] [--handle-minutes N]';

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      corpus: { type: 'string' },
      team: { type: 'string', default: path.join(ROOT, 'examples/team.yaml') },
      policy: { type: 'string', default: path.join(ROOT, 'examples/policy.yaml') },
      min: { type: 'string', multiple: true, default: [] },
      max: { type: 'string', multiple: true, default: [] },
      'handle-minutes': { type: 'string', default: '60' },
    },
  });
  const split = values.corpus;
  if ((positionals.length === 0 && !split) || (split && !['train', 'dev', 'all'].includes(split))) {
    console.error(USAGE);
    return 2;
  }
  const handleMinutes = Number(values['handle-minutes']);
  const written = [
    ...values.min.map((t) => parseThreshold('min', t)),
    ...values.max.map((t) => parseThreshold('max', t)),
  ];
  const thresholds = written.filter((t): t is Threshold => typeof t !== 'string');
  const unreadable = written.filter((t): t is string => typeof t === 'string');
  if (unreadable.length > 0 || !Number.isFinite(handleMinutes) || handleMinutes < 0) {
    for (const message of unreadable) console.error(message);
    if (!Number.isFinite(handleMinutes) || handleMinutes < 0)
      console.error('--handle-minutes: a number of minutes');
    return 2;
  }

  const sets: EvalSet[] = positionals.map(loadSetDirectory);
  if (split) {
    const examples = loadCorpus(split as 'train' | 'dev' | 'all');
    sets.push(corpusSet(`corpus ${split}`, examples, values.team, values.policy));
  }

  const missed: string[] = [];
  for (const set of sets) {
    const report = score(set.cases, route(set, handleMinutes), set.people);
    console.log(render(set.name, report, set.people));
    for (const id of report.missing) missed.push(`${set.name}: no decision for ${id}`);
    for (const line of missedThresholds(report.figures, thresholds)) {
      missed.push(`${set.name}: ${line}`);
    }
  }
  if (missed.length > 0) {
    console.log(`\nMissed:\n${missed.map((line) => `  ${line}`).join('\n')}`);
    return 1;
  }
  return 0;
}

function route(set: EvalSet, handleMinutes: number): SimulatedDecision[] {
  const simulator = new Simulator(set.staff, set.policy, { handleMinutes });
  return set.inputs.map(({ mention, repliedAt }) =>
    simulator.route(mention, new Date(mention.createdAt), repliedAt),
  );
}

function render(name: string, report: Report, people: People): string {
  const lines = [`== ${name}: ${report.cases} cases`, renderFigures(report.figures), ''];
  lines.push('Lanes (rows: expected; columns: got):');
  lines.push(`  ${''.padEnd(8)}${OUTCOMES.map((o) => o.padStart(7)).join('')}`);
  for (const lane of LANES) {
    lines.push(
      `  ${lane.padEnd(8)}${OUTCOMES.map((o) => String(report.confusion[lane][o]).padStart(7)).join('')}`,
    );
  }
  lines.push(
    '',
    `  ${'category'.padEnd(16)}${['cases', 'precision', 'recall', 'right lane'].map(cell).join('')}`,
  );
  for (const c of report.categories) {
    lines.push(
      `  ${c.category.padEnd(16)}${[String(c.cases), share(c.precision), share(c.recall), share(c.rightLane)].map(cell).join('')}`,
    );
  }
  if (report.groups.length > 0) {
    const shown = ['owner-recall', 'routine-to-owner', 'spam-dropped', 'genuine-dropped'] as const;
    lines.push(
      '',
      `  ${'language'.padEnd(16)}${['cases', ...shown.map((f) => FIGURES[f])].map(cell).join('')}`,
    );
    for (const g of report.groups) {
      lines.push(
        `  ${g.group.padEnd(16)}${[String(g.cases), ...shown.map((f) => percent(g.figures[f].value))].map(cell).join('')}`,
      );
    }
  }
  lines.push('', `Wrong lane (${report.wrong.length}):`);
  for (const w of report.wrong) {
    const who = w.decision.assignee ? `, ${people[w.decision.assignee]?.name ?? w.decision.assignee}` : '';
    const expected = w.category === w.expected ? w.expected : `${w.expected}/${w.category}`;
    lines.push(
      `  ${w.externalId} ${expected} → ${w.outcome} (${w.decision.action}${who}): ${JSON.stringify(clip(w.text))}`,
    );
    lines.push(`      ${w.decision.reasons.join('; ')}`);
  }
  if (report.missing.length > 0) lines.push(`No decision for: ${report.missing.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function renderFigures(figures: Figures): string {
  return (Object.keys(FIGURES) as (keyof typeof FIGURES)[])
    .map((f) => `${FIGURES[f]} ${percent(figures[f].value)} (${figures[f].hits}/${figures[f].of})`)
    .join(', ');
}

const cell = (text: string) => text.padStart(16);
const share = (value: number | null) => (value === null ? '–' : percent(value));
const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 199)}…` : text);

try {
  process.exitCode = main();
} catch (error) {
  console.error(error instanceof FileError || error instanceof SetError ? error.message : error);
  process.exitCode = 2;
}
