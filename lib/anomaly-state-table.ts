/**
 * The DynamoDB table that records which cost anomalies were posted to Datadog
 * (`lambda/sources/cost-anomaly-state.ts`), made only when the anomalies are on. It holds only
 * deduplication state: on demand, its items expire after 90 days, encrypted with the AWS-owned
 * key, and deleted with the stack.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE_KEY, STATE_TABLE_TTL_ATTRIBUTE } from '../lambda/sources/cost-anomaly-state';

export function createAnomalyStateTable(scope: Construct): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'AnomalyStateTable', {
    partitionKey: { name: STATE_TABLE_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    timeToLiveAttribute: STATE_TABLE_TTL_ATTRIBUTE,
    encryption: dynamodb.TableEncryption.DEFAULT,
    // Deduplication state only: losing it costs at most one repeat of each recent anomaly's event.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  Validations.of(table).acknowledge({
    id: 'AwsSolutions-DDB3',
    reason:
      'The table holds only which cost anomalies were posted to Datadog, for 90 days: restoring it would at most spare one repeat ' +
      'of recent events, not worth point-in-time recovery.',
  });
  return table;
}
