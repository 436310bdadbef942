/**
 * Page tokens of the fake AWS: opaque to the client, as AWS's are, and tied to the operation
 * that issued them, so a token given to another operation is refused as AWS refuses it.
 */
import { AwsError } from './service';

/** The token for the page that starts at `offset` of a listing of this `kind`. */
export function pageToken(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}`).toString('base64');
}

/** Where the page a token names starts: 0 without a token; `InvalidNextTokenException` for a token of another kind. */
export function pageOffset(kind: string, token: unknown): number {
  if (token === undefined || token === null) return 0;
  const text = typeof token === 'string' ? Buffer.from(token, 'base64').toString() : '';
  const match = new RegExp(`^${kind}:(\\d+)$`).exec(text);
  if (match === null) throw new AwsError('InvalidNextTokenException', 'The next token is not valid');
  return Number(match[1]);
}
