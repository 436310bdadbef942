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
/** Printable ASCII (a control character takes the per-character path, with the same result). */
const ASCII = /^[ -~]*$/;
/** A run of lowercased ASCII characters Datadog does not keep in a tag, or of `_`. */
const NOT_KEPT_ASCII = /[^a-z0-9\-:./]+/g;
const BEFORE_FIRST_LETTER = /^[^a-z]+/;

/**
 * Lowercases, turns every character Datadog does not allow into `_` (collapsing runs of `_`,
 * whether converted or literal), drops leading characters until a letter, and trims the tail
 * (`_`, `:`) and the length to 200.
 * @returns the normalized tag, or `''` when nothing valid is left.
 */
export function normalizeTag(raw: string): string {
  const lower = raw.toLowerCase();
  // Fast path: lowercase ASCII that Datadog keeps as is (ids, codes, enums: most tags).
  if (lower.length <= MAX_TAG_LENGTH && ALREADY_NORMAL.test(lower)) return trimTail(lower);
  if (ASCII.test(lower)) {
    // The loop below, as three native replacements (budget and account names with spaces and
    // capitals: most of the rest): each run of characters Datadog does not keep, literal `_`
    // included, becomes one `_`, then everything before the first letter goes.
    const ascii = lower.replace(NOT_KEPT_ASCII, '_').replace(BEFORE_FIRST_LETTER, '');
    return trimTail(ascii.length > MAX_TAG_LENGTH ? ascii.slice(0, MAX_TAG_LENGTH) : ascii);
  }
  let out = '';
  for (const char of lower) {
    const code = char.charCodeAt(0);
    // ASCII is decided without the Unicode property tests, which are slow per character.
    const letter = code < 128 ? (code >= 97 && code <= 122) || (code >= 65 && code <= 90) : LETTER.test(char);
    if (out === '' && !letter) continue;
    const allowed = letter || (code < 128 ? (code >= 48 && code <= 57) || ALLOWED_PUNCTUATION.has(char) : DIGIT.test(char));
    // Literal and converted underscores alike collapse into one, as Datadog does.
    if (allowed && char !== '_') out += char;
    else if (!out.endsWith('_')) out += '_';
  }
  // A string no longer than the limit in UTF-16 units has no more characters than it either.
  if (out.length > MAX_TAG_LENGTH) out = Array.from(out).slice(0, MAX_TAG_LENGTH).join('');
  return trimTail(out);
}

/** Drops a trailing run of `_` and `:`. */
function trimTail(tag: string): string {
  const last = tag.charCodeAt(tag.length - 1);
  return last === 95 || last === 58 ? tag.replace(/[_:]+$/, '') : tag;
}

/** A short, stable fingerprint of a raw value, used to keep colliding tags apart. */
export function shortHash(raw: string, length = 6): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, length);
}

type RawPair = readonly [key: string, value: string];

/** The tag chosen for one distinct raw pair, and the metrics it is used on. */
interface Choice {
  readonly pair: RawPair;
  tag: string;
  /** The metric of the pair's last use: a run lists a metric's series together, so most uses repeat it. */
  last: string;
  readonly metrics: string[];
}

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
  /** Raw key -> raw value -> its Datadog tag: each distinct pair is normalized once per run. */
  private readonly chosen = new Map<string, Map<string, Choice>>();
  /** Raw key -> its normalized form, to tell a value that leaves nothing. */
  private readonly keyTags = new Map<string, string>();
  /** A series' raw tags -> the choice of each pair: sources share one array between a budget's metrics, looked up once. */
  private readonly choicesOf = new Map<readonly RawPair[], Choice[]>();
  public readonly warnings: string[] = [];

  constructor(series: readonly RawSeries[]) {
    /** Plain tag -> the first pair that normalizes to it; and the plain tags two or more pairs share. */
    const owners = new Map<string, Choice>();
    const contested = new Set<string>();
    /** Each pair's first use on each metric, in the order of the series: `usedOn[i]` is the metric of `used[i]`. */
    const used: Choice[] = [];
    const usedOn: string[] = [];
    // Indexed loops: for...of and destructuring allocate an iterator per loop in code not yet
    // optimized, and a run's only pass over thousands of series is mostly that.
    for (let index = 0; index < series.length; index += 1) {
      const { metric, tags } = series[index];
      let choices = this.choicesOf.get(tags);
      if (choices === undefined) {
        choices = [];
        for (let at = 0; at < tags.length; at += 1) {
          const pair = tags[at];
          const values = this.valuesOf(pair[0]);
          let choice = values.get(pair[1]);
          if (choice === undefined) {
            choice = { pair, tag: this.plainTag(pair), last: '', metrics: [] };
            values.set(pair[1], choice);
            if (owners.has(choice.tag)) contested.add(choice.tag);
            else owners.set(choice.tag, choice);
          }
          choices.push(choice);
        }
        this.choicesOf.set(tags, choices);
      }
      for (let at = 0; at < choices.length; at += 1) {
        const choice = choices[at];
        if (choice.last !== metric) {
          choice.last = metric;
          if (!choice.metrics.includes(metric)) {
            choice.metrics.push(metric);
            used.push(choice);
            usedOn.push(metric);
          }
        }
      }
    }
    // A collision needs two pairs with one plain tag on one metric: most runs have none.
    if (contested.size > 0) this.separateCollisions(used, usedOn, contested, owners);
  }

  /** The Datadog tags of one series' raw tags, given to the constructor. */
  public tags(raw: readonly RawPair[]): string[] {
    const choices = this.choicesOf.get(raw);
    if (choices !== undefined) return choices.map((choice) => choice.tag);
    return raw.map(([key, value]) => this.chosen.get(key)?.get(value)?.tag ?? normalizeTag(`${key}:${value}`));
  }

  private valuesOf(key: string): Map<string, Choice> {
    let values = this.chosen.get(key);
    if (values === undefined) {
      values = new Map();
      this.chosen.set(key, values);
    }
    return values;
  }

  /**
   * Renames the values that collide on a metric, among the pairs whose plain tag is contested, in
   * the order a pass over the series meets them.
   */
  private separateCollisions(
    used: readonly Choice[],
    usedOn: readonly string[],
    contested: ReadonlySet<string>,
    plainTags: ReadonlyMap<string, Choice>,
  ): void {
    /** `metric\0plain tag` -> the pairs that normalize to it on that metric. */
    const claims = new Map<string, Set<Choice>>();
    used.forEach((choice, index) => {
      if (!contested.has(choice.tag)) return;
      const claim = `${usedOn[index]}\0${choice.tag}`;
      claims.set(claim, (claims.get(claim) ?? new Set()).add(choice));
    });
    /** Each value to rename -> the values it collides with. */
    const collisions = new Map<Choice, Set<string>>();
    for (const claimants of claims.values()) {
      if (claimants.size < 2) continue;
      for (const choice of claimants) {
        // The value already in Datadog's form keeps the plain tag.
        if (`${choice.pair[0]}:${choice.pair[1]}` === choice.tag) continue;
        const others = collisions.get(choice) ?? new Set<string>();
        for (const other of claimants) if (other !== choice) others.add(other.pair[1]);
        collisions.set(choice, others);
      }
    }
    for (const [choice, others] of collisions) this.separate(choice, [...others], plainTags);
  }

  /** Datadog's normalization, or a value made from a hash when normalization leaves none. */
  private plainTag([key, value]: RawPair): string {
    const tag = normalizeTag(`${key}:${value}`);
    let keyTag = this.keyTags.get(key);
    if (keyTag === undefined) {
      keyTag = normalizeTag(key);
      this.keyTags.set(key, keyTag);
    }
    if (tag !== keyTag) return tag;
    const named = `${keyTag}:${keyTag.replace(/_name$/, '')}_${shortHash(value)}`;
    this.warnings.push(`${key} ${shownValue(value)} has no character Datadog keeps; sent as ${named}`);
    return named;
  }

  /** Gives a colliding value a tag of its own: its plain tag and a hash of its raw value. */
  private separate(choice: Choice, others: readonly string[], plainTags: ReadonlyMap<string, Choice>): void {
    const [key, value] = choice.pair;
    const { tag } = choice;
    // A hash long enough not to land on another value's plain tag (a budget named `team_a_112cd0`).
    let distinct = tag;
    for (let length = 6; distinct === tag || plainTags.has(distinct); length += 6) {
      const suffix = `_${shortHash(value, length)}`;
      distinct = Array.from(tag).slice(0, MAX_TAG_LENGTH - suffix.length).join('') + suffix;
    }
    choice.tag = distinct;
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
