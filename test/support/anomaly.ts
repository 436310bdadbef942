/**
 * An AWS cost anomaly as `GetAnomalies` answers it, for the tests of every tier: Amazon EC2
 * above its expected spend by `impact` dollars (the actual spend twice the expected), in one
 * account and region. Each test gives its monitor and the fields it is about: dates, root causes.
 */
import type { Anomaly } from '@aws-sdk/client-cost-explorer';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';

export function anomalyOf(id: string, impact: number, fields: Partial<Anomaly> & Pick<Anomaly, 'MonitorArn'>): Anomaly {
  return {
    AnomalyId: id,
    DimensionValue: EC2,
    RootCauses: [{ Service: EC2, LinkedAccount: '111122223333', Region: 'us-east-1', Impact: { Contribution: impact } }],
    AnomalyScore: { MaxScore: 0.9, CurrentScore: 0.5 },
    Impact: {
      MaxImpact: impact / 2,
      TotalImpact: impact,
      TotalActualSpend: impact * 2,
      TotalExpectedSpend: impact,
      TotalImpactPercentage: 100,
    },
    ...fields,
  };
}
