/**
 * What the cost anomalies' end-to-end tests share: the bundle synthesized with
 * `collectCostAnomalies`, the anomalies and monitors the fake AWS answers behind moto's gaps
 * (moto has no Cost Anomaly Detection), the state table created in moto under the stack's
 * logical id, and the invocation of the Cost Explorer rule.
 */
import type { Anomaly, AnomalyMonitor } from '@aws-sdk/client-cost-explorer';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STATE_TABLE_KEY } from '../../../lambda/sources/cost-anomaly-state';
import { triggerEvent } from '../../../lambda/trigger';
import { motoClientConfig } from '../../support/seed';
import type { CollectorBundle } from './bundle';
import { FUNCTION_REGION, type InvokeOptions } from './invoke';
import { anomalyOf } from '../../support/anomaly';

export const ANOMALIES_CONTEXT: Readonly<Record<string, string>> = { collectCostAnomalies: 'true' };

/** What the second EventBridge rule sends: the run reads the Cost Explorer sources alone. */
export const COST_EXPLORER_RUN: InvokeOptions = { event: triggerEvent('cost_explorer') };

export const MONITOR_ARN = 'arn:aws:ce::123456789012:anomalymonitor/1a2b3c4d';
export const MONITORS: AnomalyMonitor[] = [
  { MonitorArn: MONITOR_ARN, MonitorName: 'AWS services', MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
];

/** An anomaly of the last days, its largest root cause in `account` (`[id, name]`). */
export function anomaly(id: string, totalImpact: number, account: readonly [string, string] = ['123456789012', 'management']): Anomaly {
  const day = (daysAgo: number): string => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  return anomalyOf(id, totalImpact, {
    AnomalyStartDate: day(3),
    AnomalyEndDate: day(1),
    RootCauses: [
      {
        Service: 'Amazon Elastic Compute Cloud - Compute',
        LinkedAccount: account[0],
        LinkedAccountName: account[1],
        Region: 'us-east-1',
        UsageType: 'BoxUsage:m5.large',
        Impact: { Contribution: totalImpact },
      },
    ],
    MonitorArn: MONITOR_ARN,
  });
}

/** Creates the stack's state table in moto, as CloudFormation would, named by its logical id. */
export async function createStateTable(motoEndpoint: string, bundle: CollectorBundle): Promise<void> {
  const client = new DynamoDBClient({ ...motoClientConfig(motoEndpoint), region: FUNCTION_REGION });
  try {
    for (const table of bundle.tables) {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: STATE_TABLE_KEY, AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
  } finally {
    client.destroy();
  }
}
