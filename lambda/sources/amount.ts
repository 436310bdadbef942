/**
 * AWS Budgets gives amounts as decimal strings, sometimes with long binary-float tails
 * ("604.4560000000000172803993336856365203857421875"). Datadog takes 64-bit floats, so the
 * string is parsed once here, and anything that would not be a finite number is refused
 * rather than sent as NaN or Infinity.
 */

export type AmountResult = { readonly value: number } | { readonly problem: string };

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseAmount(text: string | undefined): AmountResult {
  if (text === undefined) return { problem: 'is missing' };
  const trimmed = text.trim();
  if (trimmed === '') return { problem: 'is empty' };
  if (!DECIMAL.test(trimmed)) return { problem: `is not a decimal number ("${trimmed.slice(0, 40)}")` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { problem: `is out of range ("${trimmed.slice(0, 40)}")` };
  // -0 would be sent as 0 anyway; normalizing keeps comparisons in tests simple.
  return { value: value === 0 ? 0 : value };
}
