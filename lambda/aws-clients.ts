/**
 * The AWS clients of the sources, made by the makers each source declares, on first use, in the
 * billing region (billing data, the Budgets API and the other billing services answer in
 * us-east-1, whatever the function's region). The function and the command-line tool each keep
 * one pool, with their own retry and time-out options; a source whose switch is off never causes
 * its client to be made, and sources that name the same client share it.
 */
import { BILLING_REGION } from './billing-facts';
import type { AwsClient, AwsClientConfig, Source } from './sources/source';

/** What every client is made with, besides its region. */
export type AwsClientOptions = Omit<AwsClientConfig, 'region'>;

/** What the pool reads of a source: how to make its clients. */
export type ClientsOf<C extends object> = Pick<Source<C>, 'clients'>;

/** Gives each source its clients. */
export interface AwsClientSource {
  /** The clients `source` declares (a source, or the organization's own makers), each made when first read. */
  clientsFor<C extends object>(source: ClientsOf<C>): C;
}

export class AwsClientPool implements AwsClientSource {
  private readonly made = new Map<string, AwsClient>();
  private readonly config: AwsClientConfig;

  /**
   * @param onMade called once with each client made, for instance to add a middleware that
   *   counts what the calls are billed for.
   */
  constructor(
    options: AwsClientOptions,
    private readonly onMade?: (client: AwsClient) => void,
  ) {
    this.config = { region: BILLING_REGION, ...options };
  }

  public clientsFor<C extends object>(source: ClientsOf<C>): C {
    const clients = {} as C;
    for (const name of Object.keys(source.clients) as (keyof C & string)[]) {
      Object.defineProperty(clients, name, {
        enumerable: true,
        get: () => this.client(name, () => source.clients[name](this.config) as AwsClient),
      });
    }
    return clients;
  }

  /** Closes every client made, so no socket keeps a process up. */
  public destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }

  private client(name: string, make: () => AwsClient): never {
    let client = this.made.get(name);
    if (client === undefined) {
      client = make();
      this.made.set(name, client);
      this.onMade?.(client);
    }
    // The pool keeps clients by name; each source reads its own back under that name's type.
    return client as never;
  }
}
