/**
 * `DescribeBudgetNotificationsForAccount` in the fake AWS (moto lacks it), through the real
 * `BudgetsClient` and its paginator: the budgets' alert thresholds and their states, per account,
 * paged as AWS pages them, with AWS's error answers.
 */
import {
  AccessDeniedException,
  BudgetsClient,
  DescribeBudgetNotificationsForAccountCommand,
  DescribeBudgetsCommand,
  paginateDescribeBudgetNotificationsForAccount,
  type BudgetNotificationsForAccount,
} from '@aws-sdk/client-budgets';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUDGET_NOTIFICATIONS_LIMITS, type BudgetSeed, type WireNotification } from '../../fakes/aws/budgets';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { MEMBER_ROLE_NAME, assumeMemberRole, clientConfig, type Credentials } from '../support/organization-contract';

const OWN: Credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const MEMBER = '111122223333';

/** An actual-spend alert above a share of the limit, not in alarm, unless told otherwise. */
const alert = (over: Partial<WireNotification> = {}): WireNotification => ({
  NotificationType: 'ACTUAL',
  ComparisonOperator: 'GREATER_THAN',
  Threshold: 80,
  ThresholdType: 'PERCENTAGE',
  NotificationState: 'OK',
  ...over,
});
const cost = (name: string, notifications?: WireNotification[]): BudgetSeed => ({
  BudgetName: name,
  BudgetType: 'COST',
  BudgetLimit: { Amount: '1000.0', Unit: 'USD' },
  ...(notifications === undefined ? {} : { Notifications: notifications }),
});

/** 150 team budgets; every third has no notification, so 100 are listed. */
const teams: BudgetSeed[] = Array.from({ length: 150 }, (_, i) =>
  cost(`team ${String(i).padStart(3, '0')}`, i % 3 === 2 ? undefined : [alert({ Threshold: 50 + (i % 50) })]),
);
/** The most notifications a budget may have, of every kind. */
const several: WireNotification[] = [
  alert({ Threshold: 50 }),
  alert({ Threshold: 80, NotificationState: 'ALARM' }),
  alert({ Threshold: 100 }),
  alert({ NotificationType: 'FORECASTED', Threshold: 100 }),
  alert({ NotificationType: 'FORECASTED', Threshold: 120 }),
  alert({ Threshold: 1500.5, ThresholdType: 'ABSOLUTE_VALUE' }),
  alert({ NotificationType: 'FORECASTED', Threshold: 2000, ThresholdType: 'ABSOLUTE_VALUE', NotificationState: 'ALARM' }),
  alert({ ComparisonOperator: 'LESS_THAN', Threshold: 10 }),
  alert({ ComparisonOperator: 'EQUAL_TO', Threshold: 100 }),
  alert({ Threshold: 0.01 }),
];
const special: BudgetSeed[] = [
  cost('several', several),
  cost('in alarm', [alert({ Threshold: 80, NotificationState: 'ALARM' }), alert({ NotificationType: 'FORECASTED', Threshold: 100 })]),
  cost('absolute', [alert({ Threshold: 250.75, ThresholdType: 'ABSOLUTE_VALUE' })]),
  // As CreateNotification allows: no threshold type and no state given.
  cost('bare', [{ NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 90 }]),
  cost('no alerts', []),
];
const listed = [...teams, ...special].filter((budget) => (budget.Notifications?.length ?? 0) > 0);
const memberBudgets: BudgetSeed[] = [cost('member total', [alert({ Threshold: 90, NotificationState: 'ALARM' })]), cost('member quiet')];

let aws: FakeAws;
const budgets = (credentials: Credentials = OWN) => new BudgetsClient(clientConfig(aws.endpoint, credentials));

beforeAll(async () => {
  aws = await startFakeAws({
    budgets: [...teams, ...special],
    budgetsByAccount: { [MEMBER]: memberBudgets },
    roles: [{ arn: `arn:aws:iam::${MEMBER}:role/${MEMBER_ROLE_NAME}` }],
  });
});
afterEach(() => {
  aws.clearFailures();
  aws.take();
});
afterAll(async () => {
  await aws.close();
});

/** Every page, through the SDK's own paginator. */
async function allPages(
  client: BudgetsClient,
  accountId: string,
  pageSize?: number,
): Promise<{ pages: number; entries: BudgetNotificationsForAccount[] }> {
  const entries: BudgetNotificationsForAccount[] = [];
  let pages = 0;
  for await (const page of paginateDescribeBudgetNotificationsForAccount({ client, pageSize }, { AccountId: accountId })) {
    pages += 1;
    entries.push(...(page.BudgetNotificationsForAccount ?? []));
  }
  return { pages, entries };
}

/** An SDK service error: its name and the HTTP status. */
type SdkError = Error & { $metadata: { httpStatusCode?: number } };

/** The error a call fails with; the test fails if the call succeeds. */
async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded, but it should have failed');
}

describe('DescribeBudgetNotificationsForAccount through the real BudgetsClient', () => {
  it.each([
    { pageSize: undefined, pages: 3 },
    { pageSize: 1000, pages: 1 },
    { pageSize: 7, pages: 15 },
    { pageSize: 1, pages: 104 },
  ])(
    'pages by NextToken, $pageSize budgets a page, in $pages pages, listing every budget with notifications once',
    async ({ pageSize, pages }) => {
      const read = await allPages(budgets(), FAKE_ACCOUNT_ID, pageSize);

      expect(read.pages).toBe(pages);
      expect(read.entries.map((entry) => entry.BudgetName)).toEqual(listed.map((budget) => budget.BudgetName));
      expect(aws.take().operations).toEqual({ DescribeBudgetNotificationsForAccount: pages });
    },
  );

  it('leaves out the budgets that have no notification', async () => {
    const names = (await allPages(budgets(), FAKE_ACCOUNT_ID, 1000)).entries.map((entry) => entry.BudgetName);

    expect(names).toHaveLength(104);
    expect(names).not.toContain('team 002');
    expect(names).not.toContain('no alerts');
  });

  it("answers a budget's ten notifications, of both types, every comparison, both threshold types and both states", async () => {
    const { entries } = await allPages(budgets(), FAKE_ACCOUNT_ID, 1000);

    expect(entries.find((entry) => entry.BudgetName === 'several')?.Notifications).toEqual(several);
    expect(several).toHaveLength(BUDGET_NOTIFICATIONS_LIMITS.perBudget);
  });

  it('answers a threshold in ALARM, a percentage and an absolute value as seeded, the threshold as a number', async () => {
    const { entries } = await allPages(budgets(), FAKE_ACCOUNT_ID, 1000);
    const of = (name: string) => entries.find((entry) => entry.BudgetName === name)?.Notifications;

    expect(of('in alarm')).toEqual([
      {
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 80,
        ThresholdType: 'PERCENTAGE',
        NotificationState: 'ALARM',
      },
      {
        NotificationType: 'FORECASTED',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 100,
        ThresholdType: 'PERCENTAGE',
        NotificationState: 'OK',
      },
    ]);
    expect(of('absolute')).toEqual([
      {
        NotificationType: 'ACTUAL',
        ComparisonOperator: 'GREATER_THAN',
        Threshold: 250.75,
        ThresholdType: 'ABSOLUTE_VALUE',
        NotificationState: 'OK',
      },
    ]);
    // The SDK types both as optional: the fake adds neither when the seed leaves them out.
    expect(of('bare')).toEqual([{ NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 90 }]);
  });

  it('keeps notifications out of DescribeBudgets, which does not carry them', async () => {
    const response = await fetch(aws.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSBudgetServiceGateway.DescribeBudgets' },
      body: JSON.stringify({ AccountId: FAKE_ACCOUNT_ID, MaxResults: 1000 }),
    });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain('"BudgetName":"several"');
    expect(text).not.toContain('Notifications');
  });

  it("reads a member's notifications with that member's credentials, and only its own", async () => {
    const member = await assumeMemberRole(new STSClient(clientConfig(aws.endpoint, OWN)), MEMBER);

    const { entries } = await allPages(budgets(member), MEMBER);

    expect(entries).toEqual([{ BudgetName: 'member total', Notifications: [alert({ Threshold: 90, NotificationState: 'ALARM' })] }]);
  });

  it.each([
    { name: "the management account's credentials asking for a member", credentials: () => Promise.resolve(OWN), accountId: MEMBER },
    {
      name: "a member's credentials asking for the management account",
      credentials: () => assumeMemberRole(new STSClient(clientConfig(aws.endpoint, OWN)), MEMBER),
      accountId: FAKE_ACCOUNT_ID,
    },
    { name: 'an account the fake does not hold', credentials: () => Promise.resolve(OWN), accountId: '999999999999' },
  ])('refuses $name with AccessDeniedException, as the SDK parses it', async ({ credentials, accountId }) => {
    const client = budgets(await credentials());
    aws.take();

    const error = await rejection(client.send(new DescribeBudgetNotificationsForAccountCommand({ AccountId: accountId })));

    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.message).toBe('You are not authorized to use this operation with the given parameters.');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(aws.take().errors).toEqual({ AccessDeniedException: 1 });
  });

  it.each([
    { name: 'MaxResults 0', input: { AccountId: FAKE_ACCOUNT_ID, MaxResults: 0 }, message: /MaxResults must be between 1 and 1000/ },
    { name: 'MaxResults 1001', input: { AccountId: FAKE_ACCOUNT_ID, MaxResults: 1001 }, message: /MaxResults must be between 1 and 1000/ },
    { name: 'an AccountId that is not 12 digits', input: { AccountId: '12345' }, message: /AccountId must be 12 digits/ },
  ])('refuses $name with ValidationException', async ({ input, message }) => {
    const error = await rejection(budgets().send(new DescribeBudgetNotificationsForAccountCommand(input)));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(message);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses a page token DescribeBudgets gave, and DescribeBudgets refuses one of its own', async () => {
    const budgetsPage = await budgets().send(new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID, MaxResults: 1 }));
    const notificationsPage = await budgets().send(
      new DescribeBudgetNotificationsForAccountCommand({ AccountId: FAKE_ACCOUNT_ID, MaxResults: 1 }),
    );

    const errors = [
      await rejection(
        budgets().send(new DescribeBudgetNotificationsForAccountCommand({ AccountId: FAKE_ACCOUNT_ID, NextToken: budgetsPage.NextToken })),
      ),
      await rejection(budgets().send(new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID, NextToken: notificationsPage.NextToken }))),
    ];

    expect(errors.map((error) => error.name)).toEqual(['InvalidNextTokenException', 'InvalidNextTokenException']);
  });

  it('answers an injected error, as every operation of the fake can', async () => {
    aws.failOperation('DescribeBudgetNotificationsForAccount', { type: 'ThrottlingException', message: 'Rate exceeded', times: 1 });

    const error = await rejection(budgets().send(new DescribeBudgetNotificationsForAccountCommand({ AccountId: FAKE_ACCOUNT_ID })));
    const next = await budgets().send(new DescribeBudgetNotificationsForAccountCommand({ AccountId: FAKE_ACCOUNT_ID }));

    expect(error.name).toBe('ThrottlingException');
    expect(next.BudgetNotificationsForAccount).toHaveLength(BUDGET_NOTIFICATIONS_LIMITS.defaultMaxResults);
  });
});

describe('startFakeAws with budget notifications', () => {
  it('refuses a budget seeded with more notifications than AWS allows', async () => {
    const eleven = Array.from({ length: BUDGET_NOTIFICATIONS_LIMITS.perBudget + 1 }, (_, i) => alert({ Threshold: i + 1 }));

    await expect(startFakeAws({ budgetsByAccount: { [MEMBER]: [cost('too many', eleven)] } })).rejects.toThrow(
      /more than the 10 notifications AWS allows/,
    );
  });
});
