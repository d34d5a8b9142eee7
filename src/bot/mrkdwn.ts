/**
 * The one escaping path for customer text. Slack reads `<…>` as a mention,
 * a channel, `<!channel>` or a link in every text it is sent (mrkdwn, the
 * notification `text`, and plain_text too, which it decodes the same way),
 * so &, < and > from a customer always arrive escaped, and nothing turns an
 * escaped sequence back into markup afterwards: the only live `<…>` in a
 * message are those the app writes itself (roster ids, dates, its links).
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Bidi controls reorder what follows them (`\u202E` shows "moc.elgoog" as "google.com"), and invisible
// characters make two different handles look alike; a joiner inside an emoji sequence is kept.
const DISGUISE =
  /[\p{Bidi_Control}\p{Cc}\u00AD\u180E\u200B\u200C\u2060-\u2064\uFEFF]|(?<!\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F)\u200D|\u200D(?!\p{Extended_Pictographic})/gu;

/** A customer's name or handle as it may be shown: what could disguise it removed. Not yet escaped. */
export function displayName(raw: string): string {
  return raw.replace(DISGUISE, '');
}

/** A name or handle for any Slack text field: neutralised, escaped, and within `max` code units. */
export function nameText(raw: string, max: number): string {
  return fitEscaped(displayName(raw), max);
}

const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });
const SLACK = 64;

/**
 * Escapes a customer's text within `max` code units, marking a cut. Cutting
 * after escaping could split an entity (`&am…`), so the budget counts what
 * Slack will receive, one grapheme at a time.
 */
export function fitEscaped(raw: string, max: number, marker = '…'): string {
  const whole = escapeMrkdwn(raw);
  if (whole.length <= max) return whole;
  let out = '';
  for (const { segment } of segmenter.segment(raw.slice(0, max + SLACK))) {
    const piece = escapeMrkdwn(segment);
    if (out.length + piece.length + marker.length > max) break;
    out += piece;
  }
  return out + marker;
}

/** Cuts to at most `max` code units without splitting a character, marking the cut. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let out = '';
  // Segmenting is slow on long text; only the head can be kept, plus room for one long cluster.
  for (const { segment } of segmenter.segment(text.slice(0, max + SLACK))) {
    if (out.length + segment.length + marker.length > max) break;
    out += segment;
  }
  return out + marker;
}

/**
 * Escapes and quotes a customer's text within `max` code units. Cutting
 * after escaping could split an entity (`&am…`), so the text is escaped one
 * grapheme at a time and the budget counts what Slack will receive.
 */
export function fitQuoted(raw: string, max: number): { text: string; cut: boolean } {
  const marker = '…';
  // Most texts fit whole. Escaping is per code unit and a line break is always its own grapheme,
  // so escaping the whole string gives what the loop below builds, without segmenting it.
  const whole = `> ${escapeMrkdwn(raw).replace(/\r\n|\n/g, '\n> ')}`;
  if (whole.length + marker.length <= max) return { text: whole, cut: false };
  let out = '> ';
  // Each input code unit becomes at least one output code unit, so the head is all that can fit.
  for (const { segment } of segmenter.segment(raw.slice(0, max + SLACK))) {
    const piece = segment === '\n' || segment === '\r\n' ? '\n> ' : escapeMrkdwn(segment);
    if (out.length + piece.length + marker.length > max) return { text: out + marker, cut: true };
    out += piece;
  }
  return { text: out, cut: false };
}

export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}

/**
 * A link Slack will render: only http(s), and the characters that end a
 * mrkdwn link (`|`, `>`) or break it (spaces, `<`) percent-encoded.
 */
export function mrkdwnLink(url: string | null | undefined, label: string, maxUrl = 1000): string {
  if (!url || !/^https?:\/\//i.test(url) || url.length > maxUrl) return '';
  const safe = url.replace(/[|<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `<${safe}|${escapeMrkdwn(label)}>`;
}

export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days`;
}
