/**
 * What one AWS service's operations module gives the fake AWS server, and the error type its
 * operations throw. Every service the collector reads speaks AWS JSON: a POST whose
 * `X-Amz-Target` header names `<prefix>.<Operation>`, a JSON body in, a JSON body out.
 */

/** An error answer as AWS sends it: the error type (`__type`), a message and an HTTP status. */
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

/** The request's JSON body. */
export type OperationInput = Readonly<Record<string, unknown>>;

/** What the server lends an operation while it runs. */
export interface OperationContext {
  /** Counts units AWS bills by other than requests (GetMetricData bills per metric requested). */
  count(unit: string, by: number): void;
}

/** One operation: the request's JSON body in, the answer's JSON text out; throws {@link AwsError}. */
export type Operation = (input: OperationInput, context: OperationContext) => string;

/** A service as the server routes to it. */
export interface AwsService {
  /** The part of `X-Amz-Target` before the dot, e.g. `AWSBudgetServiceGateway`. */
  readonly targetPrefix: string;
  /** AWS JSON protocol version: the `application/x-amz-json-<version>` content type. */
  readonly jsonVersion: '1.0' | '1.1';
  /**
   * The service answers JSON but its SDK client was generated with `awsQueryCompatible`
   * (CloudWatch): error answers then carry the query error code in `x-amzn-query-error`.
   */
  readonly queryCompatible: boolean;
  /** The operations served, by name (`DescribeBudgets`). */
  readonly operations: Readonly<Record<string, Operation>>;
}
