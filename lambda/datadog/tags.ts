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
export function shortHash(raw: string, length = 6): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, length);
}

type RawPair = readonly [key: string, value: string];

/** A series' metric and raw tags: what the tags are chosen from. */
export interface RawSeries {
  readonly metric: string;
  readonly tags: readonly RawPair[];
}

/**
 * The Datadog tags of a run's series, chosen once all of them are known, so that a tag never
 * depends on the order AWS lists things in.
 *
 * A value with no character Datadog keeps (`🔥🔥🔥`) would leave a bare `budget_name`: it gets a
 * stable value made from a hash of it instead (`budget_name:budget_<hash>`), with a warning, so
 * the key is kept and the series stays in every `by {budget_name}` grouping.
 *
 * Two raw values of one key collide when they normalize to the same tag on one metric (budgets
 * "Team A" and "team_a"): `by {budget_name}` would add them up as one. Then the value already in
 * Datadog's form (`team_a`), if there is one, keeps the plain tag, the tag Datadog's own
 * integration gives it; every other colliding value gets `_` and a hash of its own raw value
 * (`team_a_112cd0`) on every metric, with a warning. So creating a budget never moves another
 * budget's tag onto its own figures, and a value that collides with none keeps its plain tag.
 */
export class TagNormalizer {
  /** `key\0raw value` -> its Datadog tag. */
  private readonly chosen = new Map<string, string>();
  public readonly warnings: string[] = [];

  constructor(series: Iterable<RawSeries>) {
    /** `metric\0plain tag` -> the raw pairs that normalize to it on that metric, by id. */
    const claims = new Map<string, Map<string, RawPair>>();
    const plainTags = new Set<string>();
    for (const { metric, tags } of series) {
      for (const pair of tags) {
        const id = `${pair[0]}\0${pair[1]}`;
        let tag = this.chosen.get(id);
        if (tag === undefined) {
          tag = this.plainTag(pair);
          this.chosen.set(id, tag);
          plainTags.add(tag);
        }
        const claim = `${metric}\0${tag}`;
        const claimants = claims.get(claim);
        if (claimants === undefined) claims.set(claim, new Map([[id, pair]]));
        else claimants.set(id, pair);
      }
    }
    /** `key\0raw value` of each value to rename -> the values it collides with. */
    const collisions = new Map<string, { readonly pair: RawPair; readonly tag: string; readonly others: Set<string> }>();
    for (const claimants of claims.values()) {
      if (claimants.size < 2) continue;
      for (const [id, pair] of claimants) {
        const tag = this.chosen.get(id) as string;
        // The value already in Datadog's form keeps the plain tag.
        if (`${pair[0]}:${pair[1]}` === tag) continue;
        const collision = collisions.get(id) ?? { pair, tag, others: new Set<string>() };
        for (const other of claimants.values()) if (other !== pair) collision.others.add(other[1]);
        collisions.set(id, collision);
      }
    }
    for (const [id, { pair, tag, others }] of collisions) this.separate(id, pair, tag, [...others], plainTags);
  }

  /** The Datadog tags of one series' raw tags, given to the constructor. */
  public tags(raw: readonly RawPair[]): string[] {
    return raw.map(([key, value]) => this.chosen.get(`${key}\0${value}`) ?? normalizeTag(`${key}:${value}`));
  }

  /** Datadog's normalization, or a value made from a hash when normalization leaves none. */
  private plainTag([key, value]: RawPair): string {
    const tag = normalizeTag(`${key}:${value}`);
    const keyTag = normalizeTag(key);
    if (tag !== keyTag) return tag;
    const named = `${keyTag}:${keyTag.replace(/_name$/, '')}_${shortHash(value)}`;
    this.warnings.push(`${key} ${shownValue(value)} has no character Datadog keeps; sent as ${named}`);
    return named;
  }

  /** Gives a colliding value a tag of its own: its plain tag and a hash of its raw value. */
  private separate(id: string, [key, value]: RawPair, tag: string, others: readonly string[], plainTags: ReadonlySet<string>): void {
    // A hash long enough not to land on another value's plain tag (a budget named `team_a_112cd0`).
    let distinct = tag;
    for (let length = 6; distinct === tag || plainTags.has(distinct); length += 6) {
      const suffix = `_${shortHash(value, length)}`;
      distinct = Array.from(tag).slice(0, MAX_TAG_LENGTH - suffix.length).join('') + suffix;
    }
    this.chosen.set(id, distinct);
    // The Datadog tags hold the values, lowercased: shown only when no value looks like a secret.
    const secret = [value, ...others].some((raw) => secretShape(raw) !== undefined);
    const sent = secret ? '; sent with a hash of its own' : ` (${tag}); sent as ${distinct}`;
    // The rule in short: the docs (metrics.md) say it in full.
    this.warnings.push(
      `${key} ${shownValue(value)} normalizes to the same Datadog tag as ${others.map(shownValue).join(', ')}${sent}: ` +
        'only a value already in Datadog form keeps the plain tag',
    );
  }
}
