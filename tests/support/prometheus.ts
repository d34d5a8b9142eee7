/** One sample of a metric in Prometheus text format with all the given labels, or undefined. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((label) => line.includes(label))) return Number(line.split(' ').pop());
  }
  return undefined;
}
