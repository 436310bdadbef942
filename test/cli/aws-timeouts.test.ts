import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_HANDLER } from '../../cli/aws';

/** An AWS endpoint that accepts the request and never answers. */
let hanging: Server;
let endpoint: string;

beforeAll(async () => {
  hanging = createServer(() => undefined);
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hanging.closeAllConnections();
  await new Promise((resolve) => hanging.close(resolve));
});

/** One call through a client made with the tool's handler options, its request time-out shortened. */
async function callWith(handler: object): Promise<unknown> {
  const client = new STSClient({
    endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
    requestHandler: handler,
  });
  try {
    return await client.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(3_000) });
  } catch (error) {
    return error;
  } finally {
    client.destroy();
  }
}

describe("the tool's AWS clients", () => {
  it('give up on an endpoint that never answers once the request time-out passes', async () => {
    const started = Date.now();
    const outcome = await callWith({ ...REQUEST_HANDLER, requestTimeout: 300 });

    expect(outcome).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('would wait on past the request time-out without throwOnRequestTimeout: the SDK only warns', async () => {
    const outcome = await callWith({ ...REQUEST_HANDLER, requestTimeout: 300, throwOnRequestTimeout: false });

    // Only the test's own 3 s abort ends it.
    expect(outcome).toMatchObject({ name: 'AbortError' });
  });
});
