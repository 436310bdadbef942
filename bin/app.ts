#!/usr/bin/env node
/**
 * The CDK app: read and check the context, build the stacks of its mode (`lib/app-stacks.ts`),
 * and run cdk-nag's AWS Solutions checks on every one of them at every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addAppStacks } from '../lib/app-stacks';
import { checkContextKeys, readAppSettings } from '../lib/context';
import { ActionableError } from '../lambda/errors';

const app = new App();
try {
  checkContextKeys(Object.keys(app.node.getAllContext() as Record<string, unknown>));
  const settings = readAppSettings((key) => app.node.tryGetContext(key));
  addAppStacks(app, settings);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
} catch (error) {
  // A bad context key or value (an InvalidSettingError, or a key shaped like a secret) is the
  // user's to fix: say which and how, without a stack trace.
  if (!(error instanceof ActionableError)) throw error;
  console.error(`\n${error.message}\n\nFix it in cdk.json or with -c <key>=<value>; docs/configuration.md lists every key.\n`);
  process.exitCode = 1;
}
