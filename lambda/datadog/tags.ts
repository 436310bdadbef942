/**
 * Tag normalization as Datadog applies it at intake, done before sending so that the logs and
 * the dry run show exactly the tags Datadog will store, and so that two raw values that would
 * collide in Datadog can be told apart here.
 */
import { secretShape, shownValue } from '../secret-shape';
import { createHash } from 'node:crypto';

/** Datadog keeps at most this many characters of a tag. */
export const MAX_TAG_LENGTH = 200;

const ALLOWED_PUNCTUATION = new Set(['_', '-', ':', '.', '/']);
const LETTER = /\p{L}/u;
const DIGIT = /\p{Nd}/u;
/** Starts with a letter; only lowercase ASCII letters, digits and allowed punctuation; no `__`. */
const ALREADY_NORMAL = /^[a-z](?:[a-z0-9\-:./]|_(?!_))*$/;

/**
 * Lowercases, turns every character Datadog does not allow into `_` (collapsing runs of `_`,
 * whether converted or literal), drops leading characters until a letter, and trims the tail
 * (`_`, `:`) and the length to 200.
 * @returns the normalized tag, or `''` when nothing valid is left.
 */
export function normalizeTag(raw: string): string {
  const lower = raw.toLowerCase();
  // Fast path: lowercase ASCII that Datadog keeps as is (ids, codes, enums: most tags).
  if (lower.length <= MAX_TAG_LENGTH && ALREADY_NORMAL.test(lower)) return lower.replace(/[_:]+$/, '');
  let out = '';
  for (const char of lower) {
    if (out === '' && !LETTER.test(char)) continue;
    const allowed = LETTER.test(char) || DIGIT.test(char) || ALLOWED_PUNCTUATION.has(char);
    // Literal and converted underscores alike collapse into one, as Datadog does.
    if (allowed && char !== '_') out += char;
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
 * Normalizes the tags of each series, and keeps series apart that normalization would merge.
 *
 * Two series collide when their raw tags differ but their normalized tags are the same (two
 * budgets named "Team A" and "team-a"): Datadog would store them as one. The later one gets a
 * short hash of its raw value appended to the first differing tag, with a warning. The same
 * raw value always gets the same tag, so all metrics of one budget stay consistent.
 */
export class TagNormalizer {
  /** sorted normalized tags -> the raw tags that claimed them first. */
  private readonly claimed = new Map<string, readonly (readonly [string, string])[]>();
  /** `key\0raw value` -> the tag chosen for it after a collision. */
  private readonly renamed = new Map<string, string>();
  /** `key\0raw value` -> its normalized tag: a run repeats the same few hundred values thousands of times. */
  private readonly normalized = new Map<string, string>();
  public readonly warnings: string[] = [];

  private normalize(key: string, value: string): string {
    const id = `${key}\0${value}`;
    let tag = this.renamed.get(id) ?? this.normalized.get(id);
    if (tag === undefined) {
      tag = normalizeTag(`${key}:${value}`);
      this.normalized.set(id, tag);
    }
    return tag;
  }

  public tags(raw: readonly (readonly [key: string, value: string])[]): string[] {
    const tags = raw.map(([key, value]) => this.normalize(key, value));
    const identity = [...tags].sort().join('\n');
    const owner = this.claimed.get(identity);
    if (owner === undefined) {
      this.claimed.set(identity, raw);
      return tags;
    }
    const index = raw.findIndex(([key, value], i) => owner[i]?.[0] !== key || owner[i]?.[1] !== value);
    if (index === -1) return tags;
    const [key, value] = raw[index];
    const suffix = `_${shortHash(value)}`;
    const distinct = Array.from(tags[index]).slice(0, MAX_TAG_LENGTH - suffix.length).join('') + suffix;
    this.renamed.set(`${key}\0${value}`, distinct);
    const other = owner[index]?.[1] ?? '';
    // The Datadog tags hold the values, lowercased: shown only when neither value looks like a secret.
    const sent = secretShape(value) === undefined && secretShape(other) === undefined ? ` (${tags[index]}); sent as ${distinct}` : '; sent with a hash suffix';
    this.warnings.push(
      `${key} ${shownValue(value)} normalizes to the same Datadog tag as ${shownValue(other)}${sent} to keep the two series apart`,
    );
    tags[index] = distinct;
    this.claimed.set([...tags].sort().join('\n'), raw);
    return tags;
  }
}
