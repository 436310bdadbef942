import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambda/environment';
import { BillingCollector } from '../../lib/billing-collector';
import { InvalidSettingError } from '../../lambda/errors';
import { CollectorSchedule } from '../../lib/schedule';

/** The construct used on its own, as in a user's app; bundling is skipped for speed. */
function newStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'UserStack');
}

describe('BillingCollector used directly', () => {
  it('leaves values that are tokens to deploy time instead of rejecting them', () => {
    const stack = newStack();
    const site = new CfnParameter(stack, 'DatadogSite').valueAsString;
    const prefix = new CfnParameter(stack, 'MetricPrefix').valueAsString;
    new BillingCollector(stack, 'Collector', { datadogSite: site, metricPrefix: prefix, tags: [prefix] });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.datadogSite]: { Ref: 'DatadogSite' },
          [ENV.metricPrefix]: { Ref: 'MetricPrefix' },
          [ENV.tags]: { Ref: 'MetricPrefix' },
        }),
      },
    });
  }, 60_000);

  it('matches the random suffix of a secret imported by name, as IAM requires', () => {
    const stack = newStack();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Secret', 'datadog/api-key');
    new BillingCollector(stack, 'Collector', { apiKeySecret: secret });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Action: 'secretsmanager:GetSecretValue',
                Resource: { 'Fn::Join': ['', Match.arrayWith([':secret:datadog/api-key-??????'])] },
              }),
            ]),
          },
        },
      ],
    });
  }, 60_000);

  it('refuses a KMS key without the secret it encrypts', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/abcd');
    expect(() => new BillingCollector(stack, 'Collector', { apiKeySecretKmsKey: key })).toThrow(InvalidSettingError);
    expect(() => new BillingCollector(stack, 'Collector2', { apiKeySecretKmsKey: key })).toThrow(
      '`apiKeySecretKmsKey` is given without `apiKeySecret`',
    );
  });

  it('refuses a schedule period CloudWatch alarms cannot use', () => {
    const stack = newStack();
    const schedule = CollectorSchedule.cron({ minute: '*' }, Duration.seconds(45));
    expect(() => new BillingCollector(stack, 'Collector', { schedule })).toThrow('`schedule` gives an alarm period of 45 seconds');
  });

  it('refuses an API key cache age under a minute, with the fix', () => {
    const stack = newStack();
    expect(() => new BillingCollector(stack, 'Collector', { apiKeyMaxAge: Duration.seconds(0) })).toThrow(
      '`apiKeyMaxAge` must be at least 60 seconds, got 0; use 60 or more, such as the default 21600 (6 hours)',
    );
  });

  it('refuses an API key cache age that is not whole seconds', () => {
    const stack = newStack();
    expect(() => new BillingCollector(stack, 'Collector', { apiKeyMaxAge: Duration.millis(1500) })).toThrow(
      '`apiKeyMaxAge` must be a whole number of seconds',
    );
  });
});
