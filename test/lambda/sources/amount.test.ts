import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../../lambda/sources/amount';

const FORTY_DIGITS = '1234567890123456789012345678901234567890';

describe('parseAmount', () => {
  it.each([
    { text: '604.4560000000000172803993336856365203857421875', value: 604.456 },
    { text: '0', value: 0 },
    { text: '0.00', value: 0 },
    { text: '-12.5', value: -12.5 },
    { text: '+7', value: 7 },
    { text: '.5', value: 0.5 },
    { text: '1e3', value: 1000 },
    { text: '2.5E-2', value: 0.025 },
    { text: ' 12.5\n', value: 12.5 },
    { text: FORTY_DIGITS, value: 1.2345678901234568e39 },
    { text: `${FORTY_DIGITS}.${FORTY_DIGITS}`, value: 1.2345678901234568e39 },
  ])('reads "$text" as the number $value', ({ text, value }) => {
    expect(parseAmount(text)).toEqual({ value });
  });

  it('sends a credit as a negative number rather than dropping it', () => {
    expect(parseAmount('-0.01')).toEqual({ value: -0.01 });
  });

  it('turns negative zero into zero', () => {
    const result = parseAmount('-0');
    expect(result).toEqual({ value: 0 });
    expect('value' in result && Object.is(result.value, 0)).toBe(true);
  });

  it.each([
    { text: undefined, problem: 'is missing' },
    { text: '', problem: 'is empty' },
    { text: '  ', problem: 'is empty' },
    { text: '\n\t', problem: 'is empty' },
    { text: 'NaN', problem: 'is not a decimal number ("NaN")' },
    { text: 'Infinity', problem: 'is not a decimal number ("Infinity")' },
    { text: '-Infinity', problem: 'is not a decimal number ("-Infinity")' },
    { text: '1e309', problem: 'is out of range ("1e309")' },
    { text: '-1e309', problem: 'is out of range ("-1e309")' },
    { text: 'abc', problem: 'is not a decimal number ("abc")' },
    { text: '0x10', problem: 'is not a decimal number ("0x10")' },
    { text: '0b101', problem: 'is not a decimal number ("0b101")' },
    { text: '1,000.00', problem: 'is not a decimal number ("1,000.00")' },
    { text: '12 USD', problem: 'is not a decimal number ("12 USD")' },
    { text: '.', problem: 'is not a decimal number (".")' },
    { text: '1e', problem: 'is not a decimal number ("1e")' },
  ])('refuses $text: the amount $problem', ({ text, problem }) => {
    expect(parseAmount(text)).toEqual({ problem });
  });

  it('quotes at most 40 characters of an unreadable amount in the problem', () => {
    const text = `x${'9'.repeat(100)}`;
    expect(parseAmount(text)).toEqual({ problem: `is not a decimal number ("${text.slice(0, 40)}")` });
  });

  it('never yields NaN or Infinity, whatever the text', () => {
    const texts = ['NaN', 'nan', 'Infinity', 'inf', '1e999', '-1e999', '9'.repeat(400), '', 'null', 'undefined'];
    for (const text of texts) {
      const result = parseAmount(text);
      if ('value' in result) expect(Number.isFinite(result.value)).toBe(true);
    }
    expect(parseAmount('9'.repeat(400))).toEqual({ problem: `is out of range ("${'9'.repeat(40)}")` });
  });
});
