/**
 * Text <-> settings values for the Settings view, and the API's validation details turned into
 * sentences a site administrator can act on. The API (zod, main/api/settings.ts) stays the one place
 * for the rules; this only converts typed text and rewords zod's generic range messages with the
 * field's unit. Pure: tested beside it.
 */

/** A number typed by hand ("1,5" accepted as 1.5), or the problem to show next to the field. */
export type ParsedNumber = { value: number } | { problem: string };

export function parseNumber(text: string, options: { integer?: boolean } = {}): ParsedNumber {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: 'enter a value' };
  const value = Number(trimmed.replace(',', '.'));
  if (!Number.isFinite(value)) return { problem: `"${trimmed}" is not a number` };
  if (options.integer && !Number.isInteger(value)) return { problem: 'enter a whole number' };
  return { value };
}

/** Empty text means null ("not set", e.g. the mass factor taken from the images). */
export function parseOptionalNumber(text: string): ParsedNumber | { value: null } {
  return text.trim() === '' ? { value: null } : parseNumber(text);
}

/** A number as the form shows it (no trailing noise from binary fractions). */
export function numberText(value: number | null): string {
  return value === null ? '' : String(Number(value.toPrecision(12)));
}

/** One text line per entry (blank lines dropped), e.g. the allowed calling AE titles. */
export function linesOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * zod's generic messages ("Too small: expected number to be >=100") as a sentence with the unit
 * ("must be at least 100 HU"); messages the schema words itself pass through unchanged.
 */
export function friendlyProblem(message: string, unit = ''): string {
  const withUnit = (bound: string) => (unit ? `${bound} ${unit}` : bound);
  let match = /^Too small: expected number to be >=\s*(-?[\d.e+-]+)$/.exec(message);
  if (match) return `must be at least ${withUnit(match[1])}`;
  match = /^Too small: expected number to be >\s*(-?[\d.e+-]+)$/.exec(message);
  if (match) return `must be more than ${withUnit(match[1])}`;
  match = /^Too big: expected number to be <=\s*(-?[\d.e+-]+)$/.exec(message);
  if (match) return `must be at most ${withUnit(match[1])}`;
  match = /^Too big: expected number to be <\s*(-?[\d.e+-]+)$/.exec(message);
  if (match) return `must be less than ${withUnit(match[1])}`;
  match = /^Too big: expected string to have <=\s*(\d+) characters$/.exec(message);
  if (match) return `at most ${match[1]} characters`;
  match = /^Too big: expected array to have <=\s*(\d+) items$/.exec(message);
  if (match) return `at most ${match[1]} entries`;
  if (/^Invalid input: expected int/.test(message)) return 'enter a whole number';
  if (/^Invalid input: expected number/.test(message)) return 'enter a number';
  return message;
}

/**
 * The API's details ("scoring.thresholdHu: Too small: ...") by field path. The request's own check
 * names the path inside the request ("patch.scoring.thresholdHu"), the check of the merged settings
 * does not: `prefix` ("patch.") is dropped so both land on the same field. A path repeated (two
 * rules broken) gets both messages.
 */
export function problemsByPath(details: readonly string[] | undefined, prefix = ''): Map<string, string> {
  const byPath = new Map<string, string>();
  for (const detail of details ?? []) {
    const colon = detail.indexOf(': ');
    let path = colon < 0 ? 'request' : detail.slice(0, colon);
    if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length);
    const message = colon < 0 ? detail : detail.slice(colon + 2);
    byPath.set(path, byPath.has(path) ? `${byPath.get(path)}; ${message}` : message);
  }
  return byPath;
}
