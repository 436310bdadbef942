/**
 * The AWS clients of one account of the organization. The SDK takes credentials per client, so
 * each account read gets clients of its own, made by the sources' own makers with that
 * account's credentials; they share one HTTP agent per protocol, so sockets are reused from one
 * account to the next and their number stays bounded.
 *
 * An account's clients are dropped, not destroyed, once it is read: the SDK's `destroy()` would
 * destroy the shared agents under every other account's requests. They hold no socket of their
 * own, so dropping them frees them, and memory does not grow with the number of accounts.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { AwsClientPool, type AwsClientOptions, type AwsClientSource } from '../aws-clients';
import type { AwsClient, AwsCredentials } from '../sources/source';

/** The SDK's own bound on the sockets of one client's agent. */
const MAX_SOCKETS = 50;

export class AccountClients {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  /**
   * @param options what every client is made with (retries, time-outs), as the function's own pool.
   * @param onMade called with each client made, as the pool's.
   */
  constructor(
    private readonly options: AwsClientOptions,
    private readonly onMade?: (client: AwsClient) => void,
  ) {}

  /** Clients acting with `credentials`, each made on first use. */
  public withCredentials(credentials: AwsCredentials): AwsClientSource {
    const requestHandler = { ...this.options.requestHandler, httpAgent: this.httpAgent, httpsAgent: this.httpsAgent };
    // No profile: it would give the clients the caller's credentials instead.
    return new AwsClientPool({ ...this.options, profile: undefined, credentials, requestHandler }, this.onMade);
  }

  /** Closes the shared sockets, so that no socket keeps a process up (the command-line tool's end). */
  public destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
