/**
 * A network's date in the contract's form. One that cannot be read (or lies
 * past the year 275760, where Date gives up) is passed on as sent: the
 * contract then refuses that item alone, with 400 or quarantine, where a throw
 * here would fail the whole delivery or page, and fail it again on every retry.
 */
export function isoDate(value: Date | string | number): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}
