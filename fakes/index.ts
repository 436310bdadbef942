/**
 * The fakes of the services the collector talks to, for the tests, the benchmark and the demo:
 * a fake AWS (Budgets, CloudWatch, Organizations, Secrets Manager, STS) and a Datadog metrics intake, both on
 * 127.0.0.1 only, plus Datadog's dashboards and monitors API for the asset tools.
 */
export { startFakeAws, type AwsTally, type FakeAws, type FakeAwsOptions, type FakeAwsSeed, type InjectedError } from './aws/server';
export { type BudgetSeed, type WireBudget } from './aws/budgets';
export { FAKE_ACCOUNT_ID } from './aws/service';
export { type AccountSeed, type OrganizationSeed } from './aws/organizations';
export { type RoleSeed } from './aws/sts';
export { type BillingSeriesSeed, type WireDimension } from './aws/cloudwatch';
export {
  INTAKE_LIMITS,
  INTAKE_PATHS,
  TEST_API_KEY,
  startIntake,
  type Intake,
  type IntakeBehaviour,
  type IntakeOptions,
  type IntakeSeries,
  type IntakeTally,
  type ReceivedRequest,
} from './datadog/intake';
export { TEST_APP_KEY, startFakeDatadogApi, type FakeDatadogApi } from './datadog/api';
export type { LoopbackServer, TimelineEntry } from './loopback';
