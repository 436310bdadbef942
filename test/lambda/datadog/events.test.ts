/**
 * Cost anomalies as Datadog events: the body of `POST /api/v1/events` (every one validated
 * against Datadog's `EventCreateRequest`), and its request against the fake intake over a real
 * socket: accepted, refused, redirected, unanswered.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anomalyEvent, MAX_EVENT_TEXT, postEvent, type AnomalyFinding } from '../../../lambda/datadog/events';
import { DatadogSubmitError } from '../../../lambda/errors';
import { INTAKE_PATHS, startIntake, type Intake } from '../../../fakes/datadog/intake';
import { eventErrors } from './schema';

const NOW = new Date('2028-03-15T12:00:00Z');

const finding: AnomalyFinding = {
  id: 'a1b2c3d4-anomaly',
  subject: 'Amazon Elastic Compute Cloud - Compute',
  accountId: '111122223333',
  accountName: 'Team A',
  service: 'Amazon Elastic Compute Cloud - Compute',
  monitorArn: 'arn:aws:ce::123456789012:anomalymonitor/0f1e2d3c',
  monitorName: 'AWS services',
  startDate: '2028-03-12',
  endDate: '2028-03-14',
  totalImpact: 312.456,
  actualSpend: 512.5,
  expectedSpend: 200.04,
  impactPercent: 156.2,
  causes: [
    { service: 'Amazon Elastic Compute Cloud - Compute', accountId: '111122223333', accountName: 'Team A', region: 'us-east-1', usageType: 'BoxUsage:p4d.24xlarge', impact: 300 },
    { service: 'Amazon Elastic Compute Cloud - Compute', accountId: '111122223333', region: 'eu-west-1', impact: 12.46 },
  ],
};
const options = { globalTags: ['env:prod', 'team:finops'], errorImpactUsd: 1000, now: NOW };

describe('anomalyEvent', () => {
  it('titles the event with the service, the account name and the total impact', () => {
    expect(anomalyEvent(finding, options).title).toBe('AWS cost anomaly: Amazon Elastic Compute Cloud - Compute in Team A: +$312.46');
  });

  it('tells the root causes, the spend, the impact in percent, the dates, the monitor and the console link', () => {
    const { text } = anomalyEvent(finding, options);
    expect(text).toContain('Total impact: +$312.46 (156.2 % above expected)');
    expect(text).toContain('Actual spend: $512.50');
    expect(text).toContain('Expected spend: $200.04');
    expect(text).toContain('Dates: 2028-03-12 to 2028-03-14');
    expect(text).toContain('Monitor: AWS services');
    expect(text).toContain('/anomaly-detection/monitors/0f1e2d3c/anomalies/a1b2c3d4-anomaly');
    expect(text).toContain('- Amazon Elastic Compute Cloud - Compute, account 111122223333 (Team A), us-east-1, BoxUsage:p4d.24xlarge: +$300.00');
    expect(text).toContain('- Amazon Elastic Compute Cloud - Compute, account 111122223333, eu-west-1: +$12.46');
  });

  it('tags it by account, service and monitor, plus the global tags, as Datadog stores tags', () => {
    expect(anomalyEvent(finding, options).tags).toEqual([
      'account_id:111122223333',
      'account_name:team_a',
      'aws_service:amazon_elastic_compute_cloud_-_compute',
      'anomaly_monitor:aws_services',
      'env:prod',
      'team:finops',
    ]);
  });

  it.each([
    [999.99, 'warning'],
    [1000, 'warning'],
    [1000.01, 'error'],
  ] as const)('makes an impact of $%s a %s against an error impact of $1000', (totalImpact, alertType) => {
    expect(anomalyEvent({ ...finding, totalImpact }, options).alert_type).toBe(alertType);
  });

  it('groups by the anomaly id, names its source and happens now (Datadog refuses events over 18 hours old)', () => {
    const event = anomalyEvent(finding, options);
    expect(event.aggregation_key).toBe('a1b2c3d4-anomaly');
    expect(event.source_type_name).toBe('amazon web services');
    expect(event.date_happened).toBe(NOW.getTime() / 1000);
  });

  it('keeps the text within 4,000 characters, saying how many root causes it left out', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ service: `Service ${i}`, accountId: '111122223333', region: 'us-east-1', usageType: 'x'.repeat(30), impact: i }));
    const { text } = anomalyEvent({ ...finding, causes: many }, options);
    expect(text.length).toBeLessThanOrEqual(MAX_EVENT_TEXT);
    expect(text).toMatch(/- and \d+ more$/);
    expect(text).toContain('- Service 0,');
  });

  it('says so for an open anomaly and one AWS gave no root cause', () => {
    const { text } = anomalyEvent({ ...finding, endDate: undefined, causes: [] }, options);
    expect(text).toContain('Dates: 2028-03-12 to now (open)');
    expect(text).toContain('- none given by AWS');
  });

  it.each([
    ['a typical anomaly', finding],
    ['an open one without spend figures', { ...finding, endDate: undefined, actualSpend: undefined, expectedSpend: undefined, impactPercent: undefined }],
    ['one with 400 root causes', { ...finding, causes: Array.from({ length: 400 }, () => finding.causes[0]) }],
    ['one with an id over 100 characters', { ...finding, id: 'x'.repeat(150) }],
  ])('builds a body valid against EventCreateRequest for %s', (_name, anomaly) => {
    expect(eventErrors(anomalyEvent(anomaly as AnomalyFinding, options))).toBe('');
  });
});

describe('postEvent against the fake intake', () => {
  let intake: Intake;
  const request = (): Parameters<typeof postEvent>[1] => ({ apiOrigin: intake.url, apiKey: intake.apiKey, timeoutMs: 2_000, originSettings: 'DD_SITE' });

  beforeAll(async () => {
    intake = await startIntake();
  });
  afterEach(() => intake.reset());
  afterAll(() => intake.close());

  it('posts the body to /api/v1/events with the API key alone, and the intake records it as valid', async () => {
    const event = anomalyEvent(finding, options);
    await postEvent(event, request());
    expect(intake.requests).toHaveLength(1);
    expect(intake.requests[0]).toMatchObject({ path: INTAKE_PATHS.events, status: 202, schemaErrors: [] });
    expect(intake.requests[0].headers['dd-application-key']).toBeUndefined();
    expect(intake.events()).toEqual([event]);
    expect(intake.series()).toEqual([]);
  });

  it.each([403, 400, 500, 429])('throws a DatadogSubmitError with the status when Datadog answers %s, once', async (status) => {
    intake.respondWith({ status });
    await expect(postEvent(anomalyEvent(finding, options), request())).rejects.toMatchObject({ name: 'DatadogSubmitError', status });
    expect(intake.requests).toHaveLength(1);
    expect(intake.events()).toEqual([]);
  });

  it('follows no redirect', async () => {
    intake.respondWith({ kind: 'redirect' });
    await expect(postEvent(anomalyEvent(finding, options), request())).rejects.toThrow(/redirect/);
    expect(intake.requests).toHaveLength(1);
  });

  it('gives up at its time limit when Datadog does not answer', async () => {
    intake.respondWith({ kind: 'hang' });
    const error = await postEvent(anomalyEvent(finding, options), { ...request(), timeoutMs: 200 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatadogSubmitError);
    expect((error as DatadogSubmitError).status).toBeUndefined();
  });

  it('is refused by the intake when the body is not an EventCreateRequest', async () => {
    const bad = { ...anomalyEvent(finding, options), alert_type: 'critical' } as never;
    await expect(postEvent(bad, request())).rejects.toMatchObject({ status: 400 });
    expect(intake.requests[0].schemaErrors.length).toBeGreaterThan(0);
  });
});
