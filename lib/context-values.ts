/**
 * Turns raw CDK context values into typed ones.
 *
 * A key set in `cdk.json` arrives as JSON (a boolean, a number, an array, an object); the same
 * key given with `-c key=value` arrives as a string. Each reader accepts both, so a value means
 * the same thing wherever it was set. An absent key, `null` and a blank string all mean "not
 * set". A value of the wrong shape throws an {@link InvalidSettingError} naming the key.
 */
import { shownValue } from '../lambda/secret-shape';
import { InvalidSettingError } from '../lambda/errors';
import { SETTINGS, type ContextSettingName, type SettingValue } from '../lambda/settings';

/** Reads one raw context value, as `app.node.tryGetContext` does. */
export type ContextLookup = (key: string) => unknown;

/** Shows a rejected value in a message: quoted and cut short, or described when it is shaped like a secret. */
export const shown = shownValue;

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A setting's context value, read by the type the settings table gives it. */
export function readSetting<K extends ContextSettingName>(lookup: ContextLookup, name: K): SettingValue<K> | undefined {
  const readers = {
    string: readString,
    boolean: readBoolean,
    wholeNumber: readWholeNumber,
    stringList: readStringList,
    stringMap: readStringMap,
  } as const;
  // Each reader returns its type's value; TypeScript cannot follow the table's type through K.
  return readers[SETTINGS[name].type](lookup, SETTINGS[name].context) as SettingValue<K> | undefined;
}

/** A string; surrounding blanks are dropped. */
export function readString(lookup: ContextLookup, key: string): string | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  if (typeof value !== 'string') throw new InvalidSettingError(key, `must be a string, got ${shown(value)}`);
  return value.trim();
}

/** `true`/`false`, as JSON booleans or as the strings "true"/"false" in any case. */
export function readBoolean(lookup: ContextLookup, key: string): boolean | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true') return true;
    if (word === 'false') return false;
  }
  throw new InvalidSettingError(key, `must be true or false, got ${shown(value)}`);
}

/** A whole number, as a JSON number or a string of digits. */
export function readWholeNumber(lookup: ContextLookup, key: string): number | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new InvalidSettingError(key, `must be a whole number, got ${shown(value)}`);
  }
  return number;
}

/**
 * A list of strings: a JSON array, a string holding a JSON array, or a comma-separated string;
 * or a JSON object (or a string holding one), whose entries become `key:value` items, the way
 * Datadog writes a tag. Blank items between commas are dropped, but a list of nothing but blanks
 * (`-c tags=,,`) is refused: it says something, and not what was meant.
 */
export function readStringList(lookup: ContextLookup, key: string): string[] | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  const parsed = typeof value === 'string' ? splitListText(value) : value;
  const items = isPlainObject(parsed)
    ? Object.entries(parsed).map(([name, item]) => (typeof item === 'string' ? `${name}:${item}` : item))
    : parsed;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new InvalidSettingError(
      key,
      `must be a list of strings (a JSON array, a comma-separated string, or a JSON object of key:value tags), got ${shown(value)}`,
    );
  }
  const kept = items.map((item) => item.trim()).filter((item) => item !== '');
  if (kept.length === 0 && items.length > 0) {
    throw new InvalidSettingError(key, `holds only blank items, got ${shown(value)}; give at least one item, or leave the key out`);
  }
  return kept;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function splitListText(text: string): unknown {
  const trimmed = text.trim();
  return trimmed.startsWith('[') || trimmed.startsWith('{') ? parseJson(trimmed) : trimmed.split(',');
}

/**
 * A map of strings to strings: a JSON object, or a string holding one. Number and boolean
 * values are taken as their text, since `{"Retain": true}` is a natural way to write a tag.
 */
export function readStringMap(lookup: ContextLookup, key: string): Record<string, string> | undefined {
  const value = lookup(key);
  if (isUnset(value)) return undefined;
  const parsed = typeof value === 'string' ? parseJson(value.trim()) : value;
  const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  const entries = isObject ? Object.entries(parsed) : [];
  const scalar = (item: unknown): item is string | number | boolean =>
    typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean';
  if (!isObject || !entries.every(([, item]) => scalar(item))) {
    throw new InvalidSettingError(key, `must be a JSON object of strings, such as {"team":"finops"}, got ${shown(value)}`);
  }
  return Object.fromEntries(entries.map(([name, item]) => [name, String(item)]));
}

/** Text that is not JSON parses to `undefined`, which every reader then rejects by shape. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
