/**
 * The organization scenario's floors (bench/minimum.ts): the fewest calls of issue 13 and the
 * critical-path bound, worked out by hand for a few organizations; and its generated data
 * (bench/dataset.ts).
 */
import { describe, expect, it } from 'vitest';
import { expectedBudgetSeries, makeOrganization } from '../../bench/dataset';
import { minimumOrganizationCalls, organizationBound, type OrganizationShape } from '../../bench/minimum';
import type { WireBudget } from '../../fakes/aws/budgets';
import type { GeneratedAccounts } from '../../fakes/aws/organizations';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';

const TEN_THOUSAND: OrganizationShape = {
  listed: 10_000,
  assumed: 9_999,
  direct: 1,
  budgetsPerAccount: 5,
  tagKeys: false,
  managementRole: false,
  concurrency: 10,
  series: 10_081,
};

describe('minimumOrganizationCalls', () => {
  it.each([
    {
      name: '10,000 accounts of 5 budgets, read from the management account',
      shape: TEN_THOUSAND,
      calls: {
        ListAccounts: 500,
        AssumeRole: 9_999,
        DescribeBudgets: 10_000,
        DescribeBudgetNotificationsForAccount: 10_000,
        ListTagsForResource: 0,
        ListMetrics: 21,
        GetMetricData: 21,
      },
    },
    {
      name: '21 accounts (two pages), tag keys set, from a member through the management role',
      shape: { ...TEN_THOUSAND, listed: 21, assumed: 18, direct: 2, tagKeys: true, managementRole: true, series: 4 },
      calls: {
        ListAccounts: 2,
        AssumeRole: 19,
        DescribeBudgets: 20,
        DescribeBudgetNotificationsForAccount: 20,
        ListTagsForResource: 20,
        ListMetrics: 1,
        GetMetricData: 1,
      },
    },
    {
      name: '2,500 budgets an account: three pages each',
      shape: { ...TEN_THOUSAND, listed: 3, assumed: 2, budgetsPerAccount: 2_500, series: 0 },
      calls: {
        ListAccounts: 1,
        AssumeRole: 2,
        DescribeBudgets: 9,
        DescribeBudgetNotificationsForAccount: 3,
        ListTagsForResource: 0,
        ListMetrics: 1,
        GetMetricData: 0,
      },
    },
  ])('$name', ({ shape, calls }) => {
    expect(minimumOrganizationCalls(shape, true, 7)).toEqual({ ...calls, GetSecretValue: 1, Datadog: 7 });
    expect(minimumOrganizationCalls(shape, false, 7).GetSecretValue).toBe(0);
  });
});

describe('organizationBound', () => {
  it('is the accounts’ round trips over the concurrency when they are longer than the ListAccounts chain, plus the Datadog round', () => {
    const minimum = minimumOrganizationCalls(TEN_THOUSAND, true, 40);
    // ⌈(9,999 × 2 + 1 × 1) ÷ 10⌉ = 2,000 rounds, longer than 500 ListAccounts pages.
    expect(organizationBound(50, TEN_THOUSAND, minimum)).toMatchObject({ rounds: 2_001, ms: 100_050 });
  });

  it('is the ListAccounts chain when the accounts are read faster than they are listed', () => {
    const shape = { ...TEN_THOUSAND, concurrency: 100 };
    // ⌈19,999 ÷ 100⌉ = 200 rounds, shorter than 500 pages.
    expect(organizationBound(50, shape, minimumOrganizationCalls(shape, true, 40))).toMatchObject({ rounds: 501, ms: 25_050 });
  });
});

describe('makeOrganization', () => {
  const now = new Date('2026-11-15T12:00:00Z');
  const dataset = makeOrganization(10_000, 5, 'aws-billing-to-datadog-reader', now);
  const accounts = dataset.seed.organization!.accounts as GeneratedAccounts;

  it('generates 10,000 accounts on demand, the management account (the fake’s own) first, and finds each by its id', () => {
    expect(accounts.count).toBe(10_000);
    expect(accounts.at(0)).toEqual({ Id: FAKE_ACCOUNT_ID, Name: 'management' });
    const last = accounts.at(9_999);
    expect(accounts.indexOf(last.Id)).toBe(9_999);
    expect(accounts.indexOf('999999999999')).toBe(-1);
  });

  it('gives every member 5 budgets from a few shared lists, and counts the COST points all of them give', () => {
    const budgetsOf = dataset.seed.budgetsByAccount as (id: string) => readonly WireBudget[] | undefined;
    const lists = new Set(Array.from({ length: 9_999 }, (_, i) => budgetsOf(accounts.at(i + 1).Id)));
    expect([...lists].every((list) => list?.length === 5)).toBe(true);
    expect(lists.size).toBe(8);
    const points = Array.from({ length: 9_999 }, (_, i) => expectedBudgetSeries(budgetsOf(accounts.at(i + 1).Id) ?? [], now)).reduce(
      (sum, n) => sum + n,
      expectedBudgetSeries(dataset.seed.budgets as WireBudget[], now),
    );
    expect(dataset.budgetPoints).toBe(points);
  });

  it('finds the member role of members only, and gives the payer one charge series per linked account beside the total and the services', () => {
    expect(dataset.seed.roleOf!(`arn:aws:iam::${accounts.at(42).Id}:role/aws-billing-to-datadog-reader`)).toBeDefined();
    expect(dataset.seed.roleOf!(`arn:aws:iam::${accounts.at(42).Id}:role/other`)).toBeUndefined();
    expect(dataset.seed.roleOf!(`arn:aws:iam::${FAKE_ACCOUNT_ID}:role/aws-billing-to-datadog-reader`)).toBeUndefined();
    expect(dataset.series).toBe(1 + 80 + 9_999);
  });
});
