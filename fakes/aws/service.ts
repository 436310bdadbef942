/**
 * What one AWS service's operations module gives the fake AWS server: its wire protocol (how its
 * requests are recognised, read and answered) and its operations; and the error type those
 * operations throw. The protocols themselves are in protocols.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { Body } from '../loopback';

/** The account the fake serves when it is given none (moto's default account too). */
export const FAKE_ACCOUNT_ID = '123456789012';

/** An error answer as AWS sends it: the error type (`__type`, or `Code` in XML), a message and an HTTP status. */
export class AwsError extends Error {
  public override readonly name = 'AwsError';

  constructor(
    /** The error type the SDK turns into the error's `name`, e.g. `AccessDeniedException`. */
    public readonly type: string,
    message: string,
    /** @default 400 */
    public readonly status = 400,
  ) {
    super(message);
  }
}

/** The request's parameters: the JSON body, or the form fields of a query request. */
export type OperationInput = Readonly<Record<string, unknown>>;

/** Who signed a request, as AWS sees it. */
export interface Caller {
  /** The account the credentials act in. */
  readonly accountId: string;
  /** The principal, as AWS names it in an access-denied message. */
  readonly arn: string;
}

/** What the server lends an operation while it runs. */
export interface OperationContext {
  /** Counts units AWS bills by other than requests (GetMetricData bills per metric requested). */
  count(unit: string, by: number): void;
  /**
   * The signer: the account of the credentials the fake's STS issued (AssumeRole), or for any
   * other credentials the fake's own account.
   */
  readonly caller: Caller;
}

/** One operation: the request's parameters in, the answer's body (in the service's wire format) out; throws {@link AwsError}. */
export type Operation = (input: OperationInput, context: OperationContext) => string;

/** An answer's headers and body, before the server sends it. */
export interface WireAnswer {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** How a service's requests travel: each service declares its own, and the server asks each in turn. */
export interface WireProtocol {
  /** The operation this request asks for when it is in this protocol and for this service; `undefined` otherwise. */
  operationOf(request: IncomingMessage, body: Body): string | undefined;
  /** The request's parameters; throws {@link AwsError} when they cannot be read. */
  input(body: Body): OperationInput;
  /** The answer to a call that succeeded, around the body the operation wrote. */
  success(operation: string, output: string, requestId: string): WireAnswer;
  /** The answer to a call that failed. */
  failure(operation: string, error: AwsError, requestId: string): WireAnswer;
}

/** Credentials the fake's STS issued: whom they act as, and until when. */
export interface Session extends Caller {
  /** Their `Expiration`, in ms since the epoch: a request signed with them after it is refused as expired. */
  readonly expiresAt: number;
}

/** The accounts behind the fake's credentials, shared by every service of one fake AWS. */
export interface FakeAccounts {
  /** The account of any credentials the fake's STS did not issue. */
  readonly ownAccountId: string;
  /** Credentials the fake's STS issued, by access key id. */
  readonly sessions: Map<string, Session>;
}

/** A service as the server routes to it. */
export interface AwsService {
  readonly protocol: WireProtocol;
  /** The operations served, by name (`DescribeBudgets`): unique across the fake's services. */
  readonly operations: Readonly<Record<string, Operation>>;
}
