/** Slack mrkdwn needs &, < and > escaped, or a customer's text could forge links and mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts to at most `max` code units without splitting a character, marking the cut. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text);
  let out = '';
  for (const { segment } of graphemes) {
    if (out.length + segment.length + marker.length > max) break;
    out += segment;
  }
  return out + marker;
}

export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
