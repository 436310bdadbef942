/**
 * The floor of the bundle-size and cold-start figures: the three AWS SDK clients the collector
 * needs, each constructed once the way lambda/handler.ts constructs them, and nothing else.
 * No collector can ship less AWS SDK than this.
 */
import { BudgetsClient } from '@aws-sdk/client-budgets';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const clients = [
  new BudgetsClient({ region: 'us-east-1', maxAttempts: 5 }),
  new CloudWatchClient({ region: 'us-east-1', maxAttempts: 5 }),
  new SecretsManagerClient({ region: 'us-east-1', maxAttempts: 5 }),
];
