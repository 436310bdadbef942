/**
 * Seeding for the collector's end-to-end tests, beyond `test/support/seed.ts`: the API key secret
 * under the ARN the stack was synthesized with, in every shape a user may leave it in; many
 * budgets at once; and the billing metrics of a payer account.
 */
import { BudgetsClient, CreateBudgetCommand, type Budget } from '@aws-sdk/client-budgets';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { motoClientConfig, type SeedCredentials } from '../../support/seed';
import { E2E_SECRET } from './bundle';

/**
 * Creates the API key secret under {@link E2E_SECRET}'s ARN (moto's `_custom_id_` tag fixes the
 * six-character suffix), holding `value` as a string or, for a `Uint8Array`, as binary. With
 * `credentials` (a role's in another account), the secret is that account's, under the same name:
 * give the function its ARN, which this returns.
 */
export async function putApiKeySecret(endpoint: string, value: string | Uint8Array, credentials?: SeedCredentials): Promise<string> {
  const client = new SecretsManagerClient({
    ...motoClientConfig(endpoint),
    region: E2E_SECRET.region,
    ...(credentials === undefined ? {} : { credentials }),
  });
  try {
    const out = await client.send(
      new CreateSecretCommand({
        Name: E2E_SECRET.name,
        ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: value }),
        Tags: [{ Key: '_custom_id_', Value: E2E_SECRET.customId }],
      }),
    );
    const expected = credentials === undefined ? E2E_SECRET.arn : undefined;
    if (out.ARN === undefined || (expected !== undefined && out.ARN !== expected) || !out.ARN.endsWith(`-${E2E_SECRET.customId}`))
      throw new Error(`moto created the secret as ${out.ARN}, not ${expected ?? `with the suffix ${E2E_SECRET.customId}`}`);
    return out.ARN;
  } finally {
    client.destroy();
  }
}

/** Puts a new current value in the API key secret, as a user rotating the key does. */
export async function rotateApiKeySecret(endpoint: string, value: string): Promise<void> {
  const client = new SecretsManagerClient({ ...motoClientConfig(endpoint), region: E2E_SECRET.region });
  try {
    await client.send(new PutSecretValueCommand({ SecretId: E2E_SECRET.arn, SecretString: value }));
  } finally {
    client.destroy();
  }
}

/**
 * Creates many budgets through one client, a few at a time (`seed.ts` makes a client per
 * budget, which is too slow for thousands).
 */
export async function createBudgets(endpoint: string, accountId: string, budgets: readonly Budget[], concurrency = 8): Promise<void> {
  const client = new BudgetsClient(motoClientConfig(endpoint));
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < budgets.length) {
        const budget = budgets[next++];
        await client.send(new CreateBudgetCommand({ AccountId: accountId, Budget: budget }));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.destroy();
  }
}

/**
 * A point time a minute before `now`, but never before the start of `now`'s UTC month: on the
 * first minute of a month a point from last month would rightly be left out as stale.
 */
export function aMinuteAgo(now = new Date()): Date {
  return new Date(Math.max(now.getTime() - 60_000, Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
}
