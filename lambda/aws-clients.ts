/**
 * The AWS clients the sources ask for, made from one table on first use, in the billing region
 * (billing data and the Budgets API live only in us-east-1, whatever the function's region).
 * The function and the command-line tool both make their clients here, each with its own
 * retry and time-out options; a source whose switch is off never causes its client to be made.
 */
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { BILLING_REGION } from './billing-facts';
import type { AwsClientName, AwsClients } from './sources/source';

/** What every client is made with, besides its region. */
export interface AwsClientOptions {
  readonly maxAttempts: number;
  /** The SDK's request handler options, such as time-outs. */
  readonly requestHandler?: { readonly connectionTimeout?: number; readonly requestTimeout?: number };
  /** A profile of the shared config and credentials files. @default the SDK's credential chain */
  readonly profile?: string;
}

type ClientConfig = AwsClientOptions & { readonly region: string };

/** How to make each client; a new source's client is one more line here. */
const MAKE: { readonly [K in AwsClientName]: (config: ClientConfig) => AwsClients[K] } = {
  budgets: (config) => new BudgetsClient(config),
  cloudWatch: (config) => new CloudWatchClient(config),
};

/** The clients, each made when first read; `destroy` closes those that were made. */
export type LazyAwsClients = AwsClients & { destroy(): void };

export function billingRegionClients(options: AwsClientOptions): LazyAwsClients {
  const made = new Map<AwsClientName, AwsClients[AwsClientName]>();
  const config: ClientConfig = { region: BILLING_REGION, ...options };
  const clients = {
    destroy(): void {
      for (const client of made.values()) client.destroy();
      made.clear();
    },
  } as LazyAwsClients;
  for (const name of Object.keys(MAKE) as AwsClientName[]) {
    Object.defineProperty(clients, name, {
      enumerable: true,
      get: () => {
        let client = made.get(name);
        if (client === undefined) {
          client = MAKE[name](config);
          made.set(name, client);
        }
        return client;
      },
    });
  }
  return clients;
}
