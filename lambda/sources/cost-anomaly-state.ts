/**
 * Which cost anomalies were posted to Datadog, kept in the DynamoDB table the stack creates, so
 * that each is posted once, and again only when its total impact has grown enough.
 *
 * The protocol, per anomaly:
 * 1. **claim** it with a conditional put that carries a lease and a token of this run: it succeeds
 *    only when the anomaly is unknown, was posted at an impact it has since outgrown, or holds a
 *    lease that has lapsed (a run that crashed);
 * 2. **post** the event;
 * 3. **mark** it posted, at its impact, on the condition that the claim is still this run's;
 * 4. if Datadog refused the event, **release** the claim (delete it, on the same condition), so
 *    that the next run tries again.
 *
 * Two runs at once never both post: the second's conditional put fails. Only a run that crashes
 * between the post and the mark leaves a claim whose lease lapses, and the next run then posts it
 * once more; Datadog groups the two under the anomaly's `aggregation_key`.
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AnomalyStateTableError } from '../errors';
import { callNeeding } from './aws-errors';

/** The table's partition key, and the attribute DynamoDB's TTL deletes items by. */
export const STATE_TABLE_KEY = 'anomalyId';
export const STATE_TABLE_TTL_ATTRIBUTE = 'expiresAt';

/** An item is deleted 90 days after its last write: anomalies older than that are not read again. */
export const STATE_TTL_DAYS = 90;

/**
 * How long a claim holds: Lambda's longest timeout, so a live run's claim never lapses while it
 * posts, and a crashed run's lapses before the next run of the 12-hourly rule.
 */
export const CLAIM_LEASE_MS = 15 * 60_000;

/** The IAM actions the store uses, on its table alone. */
export const STATE_TABLE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

/** A claim this run holds on one anomaly. */
export interface Claim {
  readonly anomalyId: string;
  readonly token: string;
  readonly impact: number;
}

const CONDITION_FAILED = 'ConditionalCheckFailedException';

export class AnomalyStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    /** The table's name or ARN. */
    private readonly table: string,
    /** Re-post when the impact grew by at least this many percent since it was posted. */
    private readonly repostGrowthPercent: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Claims `anomalyId` at `impact` for this run.
   * @returns the claim, or undefined when it was posted at an impact it has not outgrown, or
   *   another run holds it.
   */
  public async claim(anomalyId: string, impact: number): Promise<Claim | undefined> {
    const now = this.now();
    const token = randomUUID();
    try {
      await this.write('dynamodb:PutItem', () =>
        this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              [STATE_TABLE_KEY]: { S: anomalyId },
              state: { S: 'claimed' },
              token: { S: token },
              leaseUntil: { N: String(now + CLAIM_LEASE_MS) },
              impact: { N: String(impact) },
              [STATE_TABLE_TTL_ATTRIBUTE]: { N: String(expiry(now)) },
            },
            // Posted at an impact that has since grown by the repost percentage: impact >= posted * (1 + growth).
            ConditionExpression:
              'attribute_not_exists(#key) OR (#state = :claimed AND leaseUntil < :now) OR (#state = :posted AND impact <= :outgrown)',
            ExpressionAttributeNames: { '#key': STATE_TABLE_KEY, '#state': 'state' },
            ExpressionAttributeValues: {
              ':claimed': { S: 'claimed' },
              ':posted': { S: 'posted' },
              ':now': { N: String(now) },
              ':outgrown': { N: String(impact / (1 + this.repostGrowthPercent / 100)) },
            },
          }),
        ),
      );
    } catch (error) {
      if (error instanceof Error && error.name === CONDITION_FAILED) return undefined;
      throw error;
    }
    return { anomalyId, token, impact };
  }

  /** Marks a claimed anomaly posted at its claim's impact; a claim taken over meanwhile is left alone. */
  public async markPosted(claim: Claim): Promise<void> {
    await this.ifStillOurs('dynamodb:UpdateItem', claim, (condition) =>
      this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { [STATE_TABLE_KEY]: { S: claim.anomalyId } },
          UpdateExpression: 'SET #state = :posted, impact = :impact, #expires = :expires REMOVE leaseUntil, #token',
          ...condition,
          ExpressionAttributeNames: { ...condition.ExpressionAttributeNames, '#state': 'state', '#expires': STATE_TABLE_TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ...condition.ExpressionAttributeValues,
            ':posted': { S: 'posted' },
            ':impact': { N: String(claim.impact) },
            ':expires': { N: String(expiry(this.now())) },
          },
        }),
      ),
    );
  }

  /** Deletes a claim whose event Datadog refused, so that the next run posts it. */
  public async release(claim: Claim): Promise<void> {
    await this.ifStillOurs('dynamodb:DeleteItem', claim, (condition) =>
      this.client.send(new DeleteItemCommand({ TableName: this.table, Key: { [STATE_TABLE_KEY]: { S: claim.anomalyId } }, ...condition })),
    );
  }

  private async ifStillOurs(
    action: string,
    claim: Claim,
    call: (condition: {
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, { S: string }>;
    }) => Promise<unknown>,
  ): Promise<void> {
    try {
      await this.write(action, () =>
        call({
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { S: claim.token } },
        }),
      );
    } catch (error) {
      // Another run took the anomaly over after this claim's lease lapsed: the item is its own.
      if (error instanceof Error && error.name === CONDITION_FAILED) return;
      throw error;
    }
  }

  private async write<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await callNeeding(action, call);
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException')
        throw new AnomalyStateTableError(this.table, { cause: error });
      throw error;
    }
  }
}

/** The TTL attribute's value: POSIX seconds, 90 days on. */
function expiry(nowMs: number): number {
  return Math.floor(nowMs / 1000) + STATE_TTL_DAYS * 86_400;
}
