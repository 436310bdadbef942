import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lambda/log';
import { printable } from '../../lambda/printable';
import { shownValue } from '../../lambda/secret-shape';

/** Any character a terminal may act on rather than show. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('printable', () => {
  it.each([
    ['ESC, as in a title change', 'a\u001b]0;pwned\u0007b', 'a\\u001b]0;pwned\\u0007b'],
    ['a screen clear', '\u001b[2J\u001b[H', '\\u001b[2J\\u001b[H'],
    ['a carriage return that would overwrite the line', 'ok\rAll checks passed', 'ok\\u000dAll checks passed'],
    ['the one-character C1 CSI', 'x\u009b2Jy', 'x\\u009b2Jy'],
    ['DEL and NUL', 'a\u007fb\u0000', 'a\\u007fb\\u0000'],
    ['a right-to-left override', 'budget\u202egnp.exe', 'budget\\u202egnp.exe'],
    ['a bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['a line separator', 'a\u2028b', 'a\\u2028b'],
  ])('escapes %s', (_case, raw, shown) => {
    expect(printable(raw)).toBe(shown);
    expect(printable(raw)).not.toMatch(CONTROL);
  });

  it('keeps newlines, tabs, and letters of every script as they are', () => {
    const text = 'Équipe données 日本\tR&D – ÜBER!!\n🔥';
    expect(printable(text)).toBe(text);
  });

  it('keeps a JSON document valid and meaning the same', () => {
    const value = { name: 'a\u009b2J\u202eb', list: ['\u2028'] };
    const document = printable(JSON.stringify(value, null, 2));
    expect(document).not.toMatch(CONTROL);
    expect(JSON.parse(document)).toEqual(value);
  });
});

describe('the text fields of the function', () => {
  it('a quoted value holds no control character', () => {
    expect(shownValue('Team\u001b[2J\u009b')).toBe('"Team\\u001b[2J\\u009b"');
  });

  it('a log line holds no control character, in its message or its fields, and is still JSON', () => {
    const lines: string[] = [];
    const log = createLogger('DEBUG', (line) => lines.push(line));
    log.warn('budget \u001b]0;x\u0007 \u009b \u202e', { budgetName: '\u001b[2J\u0085' });
    expect(lines[0]).not.toMatch(CONTROL);
    expect(JSON.parse(lines[0])).toMatchObject({ message: 'budget \u001b]0;x\u0007 \u009b \u202e', budgetName: '\u001b[2J\u0085' });
  });
});
