import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';

export class FileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileError';
  }
}

/**
 * Reads a YAML file and validates it with zod. Errors name the file, the line
 * and the field ("team.yaml:12: staff.2.timezone: Invalid input"), so an
 * owner can fix a roster or policy without reading code.
 */
export function parseYamlFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FileError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return parseYamlText(source, schema, path);
}

export function parseYamlText<S extends z.ZodType>(source: string, schema: S, name: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const [syntaxError] = doc.errors;
  if (syntaxError) {
    const line = lineCounter.linePos(syntaxError.pos[0]).line;
    throw new FileError(`${name}:${line}: ${syntaxError.message.split('\n')[0]}`);
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const node = doc.getIn(issue.path, true);
    const offset = isNode(node) && node.range ? node.range[0] : nearestParentOffset(doc, issue.path);
    const line = offset === undefined ? '' : `${lineCounter.linePos(offset).line}:`;
    return `${name}:${line} ${issue.path.join('.') || '(top level)'}: ${issue.message}`;
  });
  throw new FileError(problems.join('\n'));
}

function nearestParentOffset(doc: ReturnType<typeof parseDocument>, path: PropertyKey[]): number | undefined {
  for (let depth = path.length - 1; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return undefined;
}
