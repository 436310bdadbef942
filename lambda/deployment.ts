/**
 * How the stack deploys the function: the defaults of the deployment side and the esbuild
 * options of the bundle. CDK-free, so that the command-line tool (which prices and times runs as
 * deployed), the benchmark and the demo (which bundle the handler as the construct does) read
 * the same facts as the construct without loading aws-cdk-lib.
 */

export const DEPLOYMENT_DEFAULTS = {
  /** AWS refreshes billing data a few times a day, so hourly is plenty. */
  scheduleExpression: 'rate(1 hour)',
  /** The period of {@link scheduleExpression}, which the alarms and the cost model count in. */
  schedulePeriodMinutes: 60,
  /**
   * The second rule's, for the sources AWS bills per request (`trigger.ts`): Cost Explorer
   * refreshes its data up to three times a day, so twice a day misses little and costs a sixth
   * of every four hours.
   */
  costExplorerScheduleExpression: 'rate(12 hours)',
  /** The period of {@link costExplorerScheduleExpression}, which its Datadog monitor counts in. */
  costExplorerSchedulePeriodMinutes: 12 * 60,
  /** A run makes a handful of paginated AWS calls and one or two Datadog requests. */
  timeoutSeconds: 120,
  memorySizeMb: 256,
  /** Lambda's maximum: a run that failed on a passing fault gets two more tries. */
  retryAttempts: 2,
  /** An event older than this is dropped: the next scheduled run will do the same work. */
  maxEventAgeSeconds: 60 * 60,
  logRetentionDays: 30,
  logLevel: 'INFO',
} as const;

/**
 * How the stack deploys the function in organization mode (`accounts=organization`), where a run
 * reads every account; the rest is {@link DEPLOYMENT_DEFAULTS}. Sized from the benchmark's
 * organization scenario (docs/performance.md): 10,000 accounts of 5 budgets took 58 s of CPU on
 * one x86 core, so at 1,024 MB (0.58 of a vCPU) the CPU needs about 99 s, under the 100 s of round
 * trips that 10,000 accounts need at 50 ms a request and 10 at once: about 1.7 minutes of Lambda
 * time, within issue 13's 5. At 512 MB the CPU alone would need about 3 minutes. Peak RSS stayed
 * under 240 MiB.
 */
export const ORGANIZATION_DEPLOYMENT = {
  /**
   * Lambda's maximum: the run is bound by round trips, which grow with AWS's latency (at 150 ms a
   * request 10,000 accounts take 5 minutes); an account that does not answer in a tenth of it is
   * skipped, not the run.
   */
  timeoutSeconds: 900,
  memorySizeMb: 1024,
} as const;

/**
 * Metrics the stack's CloudWatch alarms watch, which CloudWatch bills per month, by what brings
 * them. The construct builds the alarms; a stack test counts these in each template, and
 * `estimate` prices {@link alarmMetrics} of the rules a deployment has.
 */
export const ALARM_METRICS = {
  /** The errors alarm: the function's errors, which count every rule's runs (Lambda aggregates its aliases' under its name). */
  errors: 1,
  /** The "no successful run" alarm, with the hourly rule: the function's invocations and errors, in its math expression. */
  hourlyRule: 2,
  /**
   * With the second rule beside the hourly one: its alias's invocations and errors, which the "no
   * successful run" alarm takes out of the function's so that it counts the hourly runs only.
   */
  bothRules: 2,
} as const;

/** The alarm metrics of a deployment, by the rules it has (each rule exists when a source of its trigger is on). */
export function alarmMetrics(rules: { readonly schedule: boolean; readonly cost_explorer: boolean }): number {
  if (!rules.schedule) return ALARM_METRICS.errors;
  return ALARM_METRICS.errors + ALARM_METRICS.hourlyRule + (rules.cost_explorer ? ALARM_METRICS.bothRules : 0);
}

/** The function's runtime and architecture, as Lambda names them. */
export const FUNCTION_RUNTIME = { runtime: 'nodejs24.x', architecture: 'arm64' } as const;

/** The handler's source, from the project root, and its exported function. */
export const HANDLER = { entry: 'lambda/handler.ts', exportName: 'handler' } as const;

/**
 * The esbuild options of the bundle, as the construct's `bundling` prop takes them; the demo and
 * the benchmark give the same ones to esbuild directly.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: false,
  target: 'node24',
  /** The runtime's own SDK changes under us; the bundled one is the version the tests ran. */
  bundleAwsSDK: true,
  /**
   * The SDK's ES module builds tree-shake far better than its CommonJS ones: a third smaller
   * bundle and a faster cold start (measured by `npm run bench`).
   */
  mainFields: ['module', 'main'],
} as const;

/**
 * The name of the collector function's role in organization mode. Fixed, so that the trust
 * policy of every member and management reader role names it as a plain string, whatever tool
 * writes that policy (the member role stack, a StackSet, Terraform). IAM role names are global
 * to an account: one collector stack in organization mode per account.
 */
export const COLLECTOR_ROLE_NAME = 'aws-billing-to-datadog-collector';
