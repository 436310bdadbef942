/**
 * The demo's sample account, seeded into a moto server: what `npm run sandbox:moto` serves, and
 * the AWS the docs' runnable blocks (`test/e2e/doc-blocks.test.ts`) run the tool against.
 */
import { BudgetsClient, CreateBudgetCommand, type Budget } from '@aws-sdk/client-budgets';
import { PAYER_ACCOUNT_ID, sampleBillingSeries, sampleBudgets } from '../../cli/demo/sample-account';
import { DEMO_API_KEY } from '../../cli/demo/scenarios';
import { createApiKeySecret, motoClientConfig, putEstimatedCharges } from './seed';

const SECRET_NAME = 'datadog-api-key';
/** Who the sample budgets' alerts would be mailed to. */
const SUBSCRIBER = 'billing@example.com';

/**
 * Seeds the sample account's budgets, billing metrics (published a minute before `now`) and a
 * secret holding the demo's API key.
 * @returns the secret's ARN.
 */
export async function seedSampleAccount(endpoint: string, now: Date = new Date()): Promise<string> {
  const budgets = new BudgetsClient(motoClientConfig(endpoint));
  try {
    for (const { Notifications, ...budget } of sampleBudgets(now)) {
      await budgets.send(
        new CreateBudgetCommand({
          AccountId: PAYER_ACCOUNT_ID,
          Budget: { ...budget, TimeUnit: budget.TimeUnit ?? 'MONTHLY' } as Budget,
          // AWS takes a budget's notifications beside it, each with at least one subscriber.
          NotificationsWithSubscribers: Notifications?.map((notification) => ({
            Notification: notification,
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: SUBSCRIBER }],
          })),
        }),
      );
    }
  } finally {
    budgets.destroy();
  }
  // Published a minute ago: the current month's month-to-date figures.
  const timestamp = new Date(now.getTime() - 60_000);
  await putEstimatedCharges(
    endpoint,
    sampleBillingSeries().map((series) => ({
      dimensions: Object.fromEntries(series.dimensions.map((dimension) => [dimension.Name, dimension.Value])),
      value: series.value ?? 0,
      timestamp,
    })),
  );
  return createApiKeySecret(endpoint, SECRET_NAME, DEMO_API_KEY);
}
