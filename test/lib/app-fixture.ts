/**
 * Builds the app the way `bin/app.ts` does, from `cdk.json`'s context plus overrides given as
 * `-c` would give them (strings), so the tests exercise the real defaults and parsing.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addAppStacks, type AppStacks } from '../../lib/app-stacks';
import type { BillingCollectorStack } from '../../lib/billing-collector-stack';
import { readAppSettings } from '../../lib/context';

export const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

export interface BuildOptions {
  /** Run esbuild as `cdk synth` does; slow, so off unless a test needs the real asset. @default false */
  readonly bundle?: boolean;
  /** Register cdk-nag's AWS Solutions checks as `bin/app.ts` does. @default false */
  readonly nag?: boolean;
}

export interface BuiltApp {
  readonly app: App;
  /** The collector's stack. */
  readonly stack: BillingCollectorStack;
  /** Every stack of the app, as `bin/app.ts` adds them. */
  readonly stacks: AppStacks;
}

export function buildApp(overrides: Record<string, unknown> = {}, options: BuildOptions = {}): BuiltApp {
  const context: Record<string, unknown> = { ...CDK_JSON.context, ...overrides };
  // An empty list of stacks to bundle makes the CDK stage a stand-in asset instead of running esbuild.
  if (options.bundle !== true) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context });
  const stacks = addAppStacks(
    app,
    readAppSettings((key) => app.node.tryGetContext(key)),
  );
  if (options.nag === true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack: stacks.collector, stacks };
}

export function templateOf(overrides: Record<string, unknown> = {}): { stack: BillingCollectorStack; template: Template } {
  const { stack } = buildApp(overrides);
  return { stack, template: Template.fromStack(stack) };
}

/** Settings a user would pass with `-c`: every value a string. */
export const EXISTING_SECRET_CONTEXT = {
  apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog/api-key-AbCdEf',
  apiKeySecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  datadogSite: 'datadoghq.eu',
  tags: 'team:finops, cost-center:42',
  env: 'prod',
  service: 'billing',
  metricPrefix: 'custom.aws.billing',
  collectBudgets: 'false',
  collectEstimatedCharges: 'TRUE',
  collectLinkedAccountServices: 'false',
  serviceAllowlist: '["AmazonEC2", "AmazonS3"]',
  serviceDenylist: 'AWSDataTransfer',
  apiKeyMaxAgeSeconds: '3600',
  sendHealthMetrics: 'false',
  logRetentionDays: '90',
  logLevel: 'debug',
  alarmEmail: 'finops@example.com',
  resourceTags: '{"team":"finops","cost-center":42}',
  permissionsBoundaryArn: 'arn:aws:iam::123456789012:policy/boundaries/developer',
} as const;

export const CRON_CONTEXT = {
  schedule: 'cron(15 */4 * * ? *)',
  schedulePeriodMinutes: '240',
  alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops-alarms',
} as const;
