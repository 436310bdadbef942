/**
 * The situations the demo can show: the sample account working, and the failures a new user
 * meets first, each seeded into the fakes so that the real bundle meets it as it would in AWS.
 */
import type { BillingSeriesSeed, BudgetSeed } from '../../fakes';
import { putApiKeyCommand } from '../../lambda/environment';
import { NoBillingMetricsError } from '../../lambda/errors';
import { PAYER_ACCOUNT_ID, sampleBillingSeries, sampleBudgets } from './sample-account';

/** Where the function's API key lives: a secret in the payer account, as the stack creates it. */
export const DEMO_SECRET = {
  region: 'us-east-1',
  arn: `arn:aws:secretsmanager:us-east-1:${PAYER_ACCOUNT_ID}:secret:datadog/billing-collector/api-key-Demo01`,
} as const;

/** The only key the demo's Datadog intake accepts, and the one the sample account's secret holds. */
export const DEMO_API_KEY = 'de0de0de0de0de0de0de0de0de0de0de';

/** A well-formed key that the intake refuses: as if the secret held a key of another Datadog site. */
export const REFUSED_API_KEY = 'fedcba9876543210fedcba9876543210';

export interface Scenario {
  readonly name: string;
  /** What the scenario shows, one line. */
  readonly title: string;
  /** The scenario in the command's help: short. */
  readonly help: string;
  readonly budgets: (now: Date) => BudgetSeed[];
  readonly billingSeries: () => BillingSeriesSeed[];
  /** The key the secret holds. */
  readonly secretKey: string;
  /** What the user would do about the run's failure, when the error itself does not say. */
  readonly fix?: string;
}

export const SCENARIOS = [
  {
    name: 'sample',
    title: 'a payer account with 3 linked accounts, 15 services and 5 budgets',
    help: 'a payer account with 3 linked accounts, 15 services and 5 budgets (exit 0)',
    budgets: sampleBudgets,
    billingSeries: sampleBillingSeries,
    secretKey: DEMO_API_KEY,
  },
  {
    name: 'billing-alerts-off',
    title: 'a fresh account: billing alerts were never turned on, so CloudWatch has no AWS/Billing metrics, and no budget exists',
    help: 'a fresh account with no AWS/Billing metrics: the error and its fix (exit 1)',
    budgets: () => [],
    billingSeries: () => [],
    secretKey: DEMO_API_KEY,
    fix: new NoBillingMetricsError().fix,
  },
  {
    name: 'key-refused',
    title: 'the secret holds a well-formed API key that Datadog refuses (a revoked key, or a key of another Datadog site)',
    help: 'Datadog refuses the API key in the secret: the error and its fix (exit 1)',
    budgets: sampleBudgets,
    billingSeries: sampleBillingSeries,
    secretKey: REFUSED_API_KEY,
    fix:
      'Put an API key of your Datadog site (Organization settings > API keys, not an application key) in the secret: ' +
      `${putApiKeyCommand(DEMO_SECRET.arn, DEMO_SECRET.region)}; if the key is right, set the site (context key datadogSite).`,
  },
] as const satisfies readonly Scenario[];

export type ScenarioName = (typeof SCENARIOS)[number]['name'];

export const SCENARIO_NAMES: readonly ScenarioName[] = SCENARIOS.map((scenario) => scenario.name);
