/**
 * Which clients read which account in organization mode. The function's own account is read
 * with its own credentials; the management account with the management role's
 * (`managementRoleArn`), or with the function's own when it runs there; every other account
 * through the member role (`memberRoleName`) in it. Never a member role for the management or
 * the function's own account.
 *
 * The management account is the management role's account when one is given, and otherwise the
 * function's own: `ListAccounts` answers only there or in a delegated administrator, so no
 * `DescribeOrganization` call (and no permission for it) is needed to name it.
 */
import type { AwsClientSource } from '../aws-clients';
import type { Config } from '../config';
import type { CallCounter } from '../samples';
import type { AccountClients } from './clients';
import { roleAccount, roleArn, type RoleSessions } from './credentials';

/** What organization mode needs beyond the function's own clients. */
export interface OrganizationAccess {
  /** The partition of the function's ARN (`aws`, `aws-cn`, `aws-us-gov`), for the roles' ARNs. */
  readonly partition: string;
  /** Assumes roles with the function's own credentials, and caches them. */
  readonly sessions: RoleSessions;
  /** Makes an account's clients from its credentials. */
  readonly clients: AccountClients;
}

export class AccountAccess {
  /** The account whose billing data covers the organization and that lists its accounts. */
  public readonly managementAccountId: string;
  private management: Promise<AwsClientSource> | undefined;

  constructor(
    private readonly config: Pick<Config, 'managementRoleArn' | 'memberRoleName'>,
    private readonly ownAccountId: string,
    private readonly ownClients: AwsClientSource,
    private readonly access: OrganizationAccess,
    private readonly calls: CallCounter,
  ) {
    this.managementAccountId = config.managementRoleArn === undefined ? ownAccountId : roleAccount(config.managementRoleArn);
  }

  /** The management account's clients: assumed once a run (a failure is the run's, not one account's). */
  public managementClients(signal?: AbortSignal): Promise<AwsClientSource> {
    const arn = this.config.managementRoleArn;
    if (arn === undefined || this.managementAccountId === this.ownAccountId) return Promise.resolve(this.ownClients);
    return (this.management ??= this.access.sessions
      .credentials(arn, this.calls, signal)
      .then((credentials) => this.access.clients.withCredentials(credentials)));
  }

  /** The clients that read `accountId`. */
  public async clientsOf(accountId: string, signal?: AbortSignal): Promise<AwsClientSource> {
    if (accountId === this.ownAccountId) return this.ownClients;
    if (accountId === this.managementAccountId) return this.managementClients(signal);
    const arn = roleArn(this.access.partition, accountId, this.config.memberRoleName);
    return this.access.clients.withCredentials(await this.access.sessions.credentials(arn, this.calls, signal));
  }
}
