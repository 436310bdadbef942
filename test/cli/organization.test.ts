/**
 * `collect --dry-run` and `estimate` in organization mode, in-process, against the project's fake
 * AWS: the tool reads as the function does, with the caller's own credentials (the management
 * account's here) and the member roles they may assume.
 */
import { ORGANIZATION_DEPLOYMENT } from '../../lambda/deployment';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import type { RunSummary } from '../../lambda/collect';
import { runInProcess } from './in-process';
import type { ChargeLevel } from '../../cli/estimate';

const MEMBERS = ['210000000001', '210000000002', '210000000003'];
const ROLE = 'aws-billing-to-datadog-reader';
const cost = (name: string) => ({
  BudgetName: name,
  BudgetType: 'COST',
  BudgetLimit: { Amount: '100', Unit: 'USD' },
  CalculatedSpend: { ActualSpend: { Amount: '10', Unit: 'USD' } },
});

let aws: FakeAws;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  aws = await startFakeAws({
    budgets: [cost('org-total')],
    budgetsByAccount: { [MEMBERS[0]]: [cost('team-a')], [MEMBERS[1]]: [cost('team-b')], [MEMBERS[2]]: [] },
    // One series at the total and at each linked account, two services, and three linked account × service.
    billingSeries: [
      [],
      [{ Name: 'ServiceName', Value: 'AmazonEC2' }],
      [{ Name: 'ServiceName', Value: 'AmazonS3' }],
      [{ Name: 'LinkedAccount', Value: MEMBERS[0] }],
      [{ Name: 'LinkedAccount', Value: MEMBERS[1] }],
      [
        { Name: 'LinkedAccount', Value: MEMBERS[0] },
        { Name: 'ServiceName', Value: 'AmazonEC2' },
      ],
      [
        { Name: 'LinkedAccount', Value: MEMBERS[0] },
        { Name: 'ServiceName', Value: 'AmazonS3' },
      ],
      [
        { Name: 'LinkedAccount', Value: MEMBERS[1] },
        { Name: 'ServiceName', Value: 'AmazonEC2' },
      ],
    ].map((dimensions) => ({ dimensions: [...dimensions, { Name: 'Currency', Value: 'USD' }], value: 10 })),
    organization: {
      accounts: [
        { Id: FAKE_ACCOUNT_ID, Name: 'management' },
        { Id: MEMBERS[0], Name: 'Team A' },
        { Id: MEMBERS[1], Name: 'Team B' },
        { Id: MEMBERS[2], Name: 'no role' },
      ],
    },
    roles: [{ arn: `arn:aws:iam::${MEMBERS[0]}:role/${ROLE}` }, { arn: `arn:aws:iam::${MEMBERS[1]}:role/${ROLE}` }],
  });
  env = { AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  // The SDK reads its endpoint and credentials from the process's environment.
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await aws.close();
});

describe('the tool in organization mode', () => {
  it('collect --dry-run reads every account it may, tags each with its name, and reports the one it may not', async () => {
    const { code, out } = await runInProcess(['collect', '--dry-run', '--accounts', 'organization', '--json'], env);
    const { summary, series } = JSON.parse(out) as { summary: RunSummary; series: { metric: string; tags: string[] }[] };

    expect(summary.accounts).toEqual({ read: 3, failed: 1, skipped: {}, failedAccounts: [MEMBERS[2]] });
    expect(summary.status).toBe('partial');
    expect(code).toBe(0);
    const spend = series
      .filter((item) => item.metric === 'aws.billing.actual_spend')
      .map((item) => item.tags.filter((tag) => tag.startsWith('account_name:')));
    expect(spend.sort()).toEqual([['account_name:management'], ['account_name:team_a'], ['account_name:team_b']]);
  });

  it('collect --dry-run says in its summary how many accounts were read, failed and skipped', async () => {
    const { out } = await runInProcess(['collect', '--dry-run', '--accounts', 'organization'], env);

    expect(out).toMatch(new RegExp(`accounts +3 read, 1 failed \\(${MEMBERS[2]}\\), skipped: none`));
  });

  it('estimate counts the series of the organization it sees', async () => {
    const { code, out } = await runInProcess(['estimate', '--accounts', 'organization', '--json'], env);
    const report = JSON.parse(out) as { errors: string[]; customMetrics: unknown };

    expect(code).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.customMetrics).toMatchObject({ byMetric: { 'aws.billing.actual_spend': 3, 'aws.billing.collector.accounts': 3 } });
  });

  it('estimate shows each level of the estimated charges, the one organization mode switches off too, with its series and price', async () => {
    const { code, out } = await runInProcess(['estimate', '--accounts', 'organization', '--json'], env);
    const report = JSON.parse(out) as { chargeLevels: ChargeLevel[]; notes: string[] };

    expect(code).toBe(0);
    expect(report.chargeLevels.map(({ level, sent, series }) => [level, sent, series])).toEqual([
      ['total', true, 1],
      ['service', true, 2],
      ['linked_account', true, 2],
      ['linked_account_service', false, 3],
    ]);
    // 3 metrics a run, hourly: 3 × 730 = 2,190 metrics at $0.01 per 1,000.
    expect(report.chargeLevels[3].awsCost).toMatchObject({ quantity: 2_190, monthlyUsd: 0.0219 });
    expect(report.notes).toContainEqual(expect.stringContaining('linked_account_service level is switched off: 3 more series'));
    expect(report.notes).toContainEqual(expect.stringContaining('--linked-account-services'));
  });

  it('estimate --linked-account-services turns that level on in organization mode, where it is off by default', async () => {
    const { out } = await runInProcess(['estimate', '--accounts', 'organization', '--linked-account-services', '--json'], env);
    const report = JSON.parse(out) as { chargeLevels: ChargeLevel[]; customMetrics: { byMetric: Record<string, number> } };

    expect(report.chargeLevels.at(-1)).toMatchObject({ level: 'linked_account_service', sent: true, series: 3 });
    expect(report.customMetrics.byMetric['aws.billing.estimated_charges']).toBe(8);
  });

  it('estimate prints the levels as a table', async () => {
    const { out } = await runInProcess(['estimate', '--accounts', 'organization'], env);

    expect(out).toMatch(/linked_account_service +no \(switched off\) +3 +3 metrics\/run × 730 runs/);
  });

  it('estimate --lambda prices the function at the memory organization mode deploys', async () => {
    const { code, out } = await runInProcess(['estimate', '--accounts', 'organization', '--lambda', '--json'], env);
    const report = JSON.parse(out) as { awsCost: { lines: { item: string; note?: string }[] } };

    expect(code).toBe(0);
    const compute = report.awsCost.lines.find((line) => line.item === 'Lambda compute (arm64)');
    expect(compute?.note).toContain(`billed time per run at ${ORGANIZATION_DEPLOYMENT.memorySizeMb.toLocaleString('en-US')} MB`);
  });
});
