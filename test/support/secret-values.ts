/**
 * Values shaped like each kind of secret, and what a message says instead of them: the rows of
 * the secret-hygiene tests of every layer (synth, the function's configuration, the tool's flags).
 */
export const SECRET_VALUES = [
  { kind: 'a Datadog API key', value: '0123456789abcdef0123456789abcdef', says: 'looks like a Datadog API key' },
  { kind: 'a Datadog application key', value: '0123456789abcdef0123456789abcdef01234567', says: 'looks like a Datadog application key' },
  { kind: 'an AWS secret access key', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', says: 'looks like an AWS secret access key' },
] as const;

/** Every secret row crossed with every case of a layer, for `it.each`. */
export function withEachSecret<C extends object>(cases: readonly C[]): (C & (typeof SECRET_VALUES)[number])[] {
  return SECRET_VALUES.flatMap((secret) => cases.map((item) => ({ ...item, ...secret })));
}
