/**
 * The cost anomalies' state protocol (`lambda/sources/cost-anomaly-state.ts`) against moto's
 * DynamoDB, through the real client: each anomaly claimed once, re-posted only when its impact
 * grew enough, never claimed by two runs at once, released when Datadog refused its event, and
 * taken over once a crashed run's lease has lapsed.
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnomalyStateTableError } from '../../lambda/errors';
import {
  AnomalyStateStore,
  CLAIM_LEASE_MS,
  STATE_TABLE_KEY,
  STATE_TABLE_TTL_ATTRIBUTE,
  STATE_TTL_DAYS,
} from '../../lambda/sources/cost-anomaly-state';
import { startMoto, type MotoServer } from '../support/moto-server';
import { motoClientConfig } from '../support/seed';

const TABLE = 'anomaly-state';
const START = Date.parse('2028-03-15T12:00:00Z');

let moto: MotoServer;
let client: DynamoDBClient;

/** A run's store, on a clock the test moves. */
function store(clock: { now: number }, growthPercent = 20): AnomalyStateStore {
  return new AnomalyStateStore(client, TABLE, growthPercent, () => clock.now);
}

beforeAll(async () => {
  moto = await startMoto();
  client = new DynamoDBClient(motoClientConfig(moto.endpoint));
});
beforeEach(async () => {
  await moto.reset();
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: STATE_TABLE_KEY, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});
afterAll(async () => {
  client.destroy();
  await moto.stop();
});

describe('the cost anomalies state table, against moto DynamoDB', () => {
  it('claims a new anomaly once: a repeat run finds it posted and posts nothing new', async () => {
    const clock = { now: START };
    const first = await store(clock).claim('a-1', 100);
    expect(first).toBeDefined();
    await store(clock).markPosted(first!);
    clock.now += 12 * 3_600_000;
    expect(await store(clock).claim('a-1', 100)).toBeUndefined();
    expect(await store(clock).claim('a-1', 119.99)).toBeUndefined();
  });

  it('re-posts an anomaly whose impact grew by the repost percentage, then not again until it grows again', async () => {
    const clock = { now: START };
    await store(clock).markPosted((await store(clock).claim('a-1', 100))!);
    const grown = await store(clock).claim('a-1', 120);
    expect(grown).toBeDefined();
    await store(clock).markPosted(grown!);
    expect(await store(clock).claim('a-1', 143)).toBeUndefined();
    expect(await store(clock).claim('a-1', 144)).toBeDefined();
  });

  it('keeps the posted impact and a TTL 90 days on', async () => {
    const clock = { now: START };
    await store(clock).markPosted((await store(clock).claim('a-1', 100))!);
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: { [STATE_TABLE_KEY]: { S: 'a-1' } } }));
    expect(Item?.state).toEqual({ S: 'posted' });
    expect(Item?.impact).toEqual({ N: '100' });
    expect(Item?.[STATE_TABLE_TTL_ATTRIBUTE]).toEqual({ N: String(START / 1000 + STATE_TTL_DAYS * 86_400) });
    expect(Item?.token).toBeUndefined();
  });

  it('lets only one of two concurrent runs claim an anomaly', async () => {
    const clock = { now: START };
    const claims = await Promise.all(Array.from({ length: 5 }, () => store(clock).claim('a-1', 100)));
    expect(claims.filter((claim) => claim !== undefined)).toHaveLength(1);
  });

  it('forgets a claim whose event Datadog refused, so that the next run posts it', async () => {
    const clock = { now: START };
    const refused = await store(clock).claim('a-1', 100);
    await store(clock).release(refused!);
    expect(await store(clock).claim('a-1', 100)).toBeDefined();
  });

  it("leaves a crashed run's claim alone until its lease lapses, then lets one run take it over", async () => {
    const clock = { now: START };
    const crashed = await store(clock).claim('a-1', 100);
    expect(crashed).toBeDefined();
    clock.now += CLAIM_LEASE_MS - 1;
    expect(await store(clock).claim('a-1', 100)).toBeUndefined();
    clock.now += 2;
    const next = await store(clock).claim('a-1', 100);
    expect(next).toBeDefined();
    // The crashed run, were it to come back, can neither mark nor release the claim it lost.
    await store(clock).markPosted(crashed!);
    await store(clock).release(crashed!);
    const { Item } = await client.send(new GetItemCommand({ TableName: TABLE, Key: { [STATE_TABLE_KEY]: { S: 'a-1' } } }));
    expect(Item?.token).toEqual({ S: next!.token });
  });

  it('names the table and the fix when it does not exist', async () => {
    const missing = new AnomalyStateStore(client, 'no-such-table', 20);
    const error = await missing.claim('a-1', 100).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AnomalyStateTableError);
    expect((error as Error).message).toContain('no-such-table');
    expect((error as Error).message).toContain('COLLECT_COST_ANOMALIES');
  });
});
