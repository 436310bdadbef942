/**
 * Tag normalization as Datadog applies it at intake, done before sending so that the logs and
 * the dry run show exactly the tags Datadog will store, and so that two raw values that would
 * collide in Datadog can be told apart here.
 */
import { createHash } from 'node:crypto';

/** Datadog keeps at most this many characters of a tag. */
export const MAX_TAG_LENGTH = 200;

const ALLOWED_PUNCTUATION = new Set(['_', '-', ':', '.', '/']);
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;

/**
 * Lowercases, turns every character Datadog does not allow into `_` (collapsing runs), drops
 * leading characters until a letter, and trims the tail (`_`, `:`) and the length to 200.
 * @returns the normalized tag, or `''` when nothing valid is left.
 */
export function normalizeTag(raw: string): string {
  let out = '';
  for (const char of raw.toLowerCase()) {
    if (out === '' && !LETTER.test(char)) continue;
    const allowed = LETTER.test(char) || DIGIT.test(char) || ALLOWED_PUNCTUATION.has(char);
    if (allowed) out += char;
    else if (!out.endsWith('_')) out += '_';
  }
  out = Array.from(out).slice(0, MAX_TAG_LENGTH).join('');
  return out.replace(/[_:]+$/, '');
}

/** A short, stable fingerprint of a raw value, used to keep colliding tags apart. */
export function shortHash(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 6);
}

/**
 * Normalizes `key:value`, and when a different raw value already took the same tag under this
 * key, appends a short hash of the raw value so the two stay separate series.
 */
export class TagNormalizer {
  /** normalized tag -> the raw value that claimed it first. */
  private readonly claimed = new Map<string, string>();
  public readonly warnings: string[] = [];

  public tag(key: string, rawValue: string): string {
    const normalized = normalizeTag(`${key}:${rawValue}`);
    const owner = this.claimed.get(normalized);
    if (owner === undefined) {
      this.claimed.set(normalized, rawValue);
      return normalized;
    }
    if (owner === rawValue) return normalized;
    const suffix = `_${shortHash(rawValue)}`;
    const distinct = Array.from(normalized).slice(0, MAX_TAG_LENGTH - suffix.length).join('') + suffix;
    this.claimed.set(distinct, rawValue);
    this.warnings.push(
      `${key} "${rawValue}" normalizes to the same Datadog tag as "${owner}" (${normalized}); ` +
        `sent as ${distinct} to keep them apart`,
    );
    return distinct;
  }
}
