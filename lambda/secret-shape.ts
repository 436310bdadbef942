/**
 * The one rule for showing a user's value in a message: quoted, unless it is shaped like a
 * secret, which is described instead. Every error, warning and log line that quotes a value the
 * user gave (a context key or its value, a variable, a flag) goes through {@link shownValue},
 * so a pasted key never reaches a terminal or a CI log, and a control character in a value is
 * shown escaped (`printable`). Every layer uses it.
 */
import { printable } from './printable';

/** A secret's shape: whether a run of characters holds one, and what it looks like. */
interface SecretShape {
  /** Whether `run`, a run of letters, digits, "/" and "+", is this secret or holds one. */
  readonly holds: (run: string) => boolean;
  /** Whether `run` is exactly this secret, nothing around it. */
  readonly is: (run: string) => boolean;
  readonly description: string;
}

/**
 * The shapes, the most specific first (40 hex characters also hold 32, and are 40 of base64's):
 * a Datadog application key, a Datadog API key, an AWS secret access key. A run longer than a
 * key holds one too: `prod0123...` is a key pasted after other text.
 */
const SECRET_SHAPES: readonly SecretShape[] = [
  {
    holds: (run) => /^[0-9A-Fa-f]{40}$/.test(run),
    is: (run) => /^[0-9A-Fa-f]{40}$/.test(run),
    description:
      'a 40-character hex string, which looks like a Datadog application key (not shown; give it only as DD_APP_KEY, to `datadog apply`)',
  },
  {
    holds: (run) => /[0-9A-Fa-f]{32}/.test(run),
    is: (run) => /^[0-9A-Fa-f]{32}$/.test(run),
    description:
      "a 32-character hex string, which looks like a Datadog API key (not shown; put the key in the secret and give the secret's ARN)",
  },
  {
    holds: (run) => run.length >= 40,
    is: (run) => run.length === 40,
    description:
      'a 40-character string of letters, digits, "/" and "+", which looks like an AWS secret access key (not shown; ' +
      'give AWS credentials through a profile or the environment, never a setting)',
  },
];

/** The runs of characters a secret is made of; anything else (`=`, `:`, `,`, `.`, blanks, quotes) separates two. */
const SECRET_CHARACTERS = /[A-Za-z0-9/+]+/g;

/** Longer values are cut, so one bad value cannot flood a message. */
const MAX_SHOWN_LENGTH = 80;

/**
 * What a value looks like when it is, or holds, a secret-shaped run of characters (such as
 * `apiKey=0123...`, a key in a JSON array, or a key glued to other text); undefined when it
 * holds none. A run of 32 or more hex characters, or of 40 or more letters, digits, "/" and "+",
 * holds one.
 */
export function secretShape(text: string): string | undefined {
  for (const run of text.match(SECRET_CHARACTERS) ?? []) {
    const shape = SECRET_SHAPES.find(({ holds }) => holds(run));
    if (shape === undefined) continue;
    return run === text.trim() && shape.is(run) ? shape.description : `a value holding ${shape.description}`;
  }
  return undefined;
}

/**
 * A user's value as a message shows it: quoted, cut at 80 characters and with its control
 * characters escaped, or, when it is shaped
 * like a Datadog API or application key or an AWS secret access key, a description of it that
 * never holds the value.
 */
export function shownValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const secret = secretShape(text);
  if (secret !== undefined) return secret;
  const short = text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH - 3)}...` : text;
  return `"${printable(short)}"`;
}

/**
 * A message written by someone else (a library's usage error quoting the argument it refused),
 * each secret-shaped run of characters in it replaced by its description, in brackets.
 */
export function withSecretsDescribed(message: string): string {
  return message.replace(SECRET_CHARACTERS, (run) => {
    const shape = SECRET_SHAPES.find(({ holds }) => holds(run));
    return shape === undefined ? run : `[${shape.is(run) ? '' : 'a value holding '}${shape.description}]`;
  });
}
