/** The client pool: each source's clients, made by its own makers, once, and only when read. */
import { describe, expect, it } from 'vitest';
import { AwsClientPool } from '../../lambda/aws-clients';
import { defineSource, type AwsClient, type AwsClientConfig } from '../../lambda/sources/source';

class FakeClient implements AwsClient {
  public destroyed = false;
  constructor(public readonly config: AwsClientConfig) {}
  public destroy(): void {
    this.destroyed = true;
  }
}

function sourceWith(id: string, names: readonly string[], made: FakeClient[]) {
  const clients = Object.fromEntries(
    names.map((name) => [
      name,
      (config: AwsClientConfig) => {
        const client = new FakeClient(config);
        made.push(client);
        return client;
      },
    ]),
  );
  return defineSource({
    id,
    title: id,
    setting: 'collectBudgets',
    scope: 'eachAccount',
    trigger: 'schedule',
    switchDoc: 'A source for the test.',
    iam: [],
    clients,
    operations: [],
    skipReasons: [],
    metrics: [],
    collect: async () => ({ samples: [], skipped: {} }),
    probe: async () => ({ ok: true, detail: '' }),
  });
}

describe('AwsClientPool', () => {
  it('makes a client when a source first reads it, in the billing region with the options given', () => {
    const made: FakeClient[] = [];
    const pool = new AwsClientPool({ maxAttempts: 5 });
    const clients = pool.clientsFor(sourceWith('a', ['cloudWatch'], made));
    expect(made).toHaveLength(0);
    const client = clients.cloudWatch as FakeClient;
    expect(made).toEqual([client]);
    expect(client.config).toEqual({ region: 'us-east-1', maxAttempts: 5 });
    expect(clients.cloudWatch).toBe(client);
  });

  it('gives two sources that name the same client one client, and tells the caller of each client made once', () => {
    const made: FakeClient[] = [];
    const seen: AwsClient[] = [];
    const pool = new AwsClientPool({ maxAttempts: 3 }, (client) => seen.push(client));
    const first = pool.clientsFor(sourceWith('a', ['cloudWatch', 'budgets'], made));
    const second = pool.clientsFor(sourceWith('b', ['cloudWatch'], made));
    expect(second.cloudWatch).toBe(first.cloudWatch);
    void first.budgets;
    expect(made).toHaveLength(2);
    expect(seen).toEqual(made);
  });

  it('destroys every client it made, and only those', () => {
    const made: FakeClient[] = [];
    const pool = new AwsClientPool({ maxAttempts: 3 });
    void pool.clientsFor(sourceWith('a', ['cloudWatch', 'budgets'], made)).cloudWatch;
    pool.destroy();
    expect(made.map((client) => client.destroyed)).toEqual([true]);
  });
});
