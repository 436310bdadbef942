import { alarmMetrics, DEPLOYMENT_DEFAULTS, FUNCTION_RUNTIME } from '../../lambda/deployment';
import { deployedRules } from '../../lambda/sources';
import { estimate } from '../../cli/estimate';
import { triggerEvent } from '../../lambda/trigger';
import { COST_EXPLORER_ALIAS } from '../../lib/billing-collector';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PLACEHOLDER, ENV, putApiKeyCommand } from '../../lambda/environment';
import { BillingCollectorStack } from '../../lib/billing-collector-stack';
import { CRON_CONTEXT, EXISTING_SECRET_CONTEXT, templateOf } from './app-fixture';

const SYNTH_TIMEOUT = 120_000;

interface Synthesized {
  readonly stack: BillingCollectorStack;
  readonly template: Template;
}

let byDefault: Synthesized;
let withExistingSecret: Synthesized;
let withCron: Synthesized;
let withCostExplorer: Synthesized;
let costExplorerOnly: Synthesized;

/** The sources of the hourly rule off, Cost Explorer on: a deployment of the second rule alone. */
const COST_EXPLORER_ONLY = { collectBudgets: 'false', collectEstimatedCharges: 'false', collectCostExplorer: 'true' };

beforeAll(() => {
  byDefault = templateOf();
  withExistingSecret = templateOf(EXISTING_SECRET_CONTEXT);
  withCron = templateOf(CRON_CONTEXT);
  withCostExplorer = templateOf({ collectCostExplorer: 'true', costExplorerSchedule: 'rate(8 hours)' });
  costExplorerOnly = templateOf({ ...COST_EXPLORER_ONLY, alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:billing-alarms' });
}, SYNTH_TIMEOUT);

/** The metrics of every alarm of the template, as CloudWatch bills them: a metric alarm's one, and each MetricStat of a math alarm. */
function alarmMetricCount(s: Synthesized): number {
  const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: { MetricName?: string; Metrics?: { MetricStat?: unknown }[] };
  }[];
  return alarms.reduce(
    (count, alarm) =>
      count +
      (alarm.Properties.MetricName === undefined ? 0 : 1) +
      (alarm.Properties.Metrics ?? []).filter((query) => query.MetricStat !== undefined).length,
    0,
  );
}

/** The CloudFormation value of a token of the synthesized stack, as a matcher would see it. */
function cfn(synthesized: Synthesized, value: unknown): unknown {
  return synthesized.stack.resolve(value);
}

function budgetsArn(): unknown {
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':budget/*']],
  };
}

function collectorStatements(s: Synthesized, secretArn: unknown, kmsStatement?: object, budgets = true): object[] {
  return [
    {
      Sid: 'ReadBillingMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      Resource: '*',
    },
    ...(budgets ? [{ Sid: 'ReadBudgets', Effect: 'Allow', Action: 'budgets:ViewBudget', Resource: budgetsArn() }] : []),
    { Sid: 'ReadApiKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
    ...(kmsStatement === undefined ? [] : [kmsStatement]),
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: cfn(s, s.stack.collector.logGroup.logGroupArn),
    },
  ];
}

/** Asserts the one role of the stack, whole: trust, inline policy, and any `extra` properties. */
function expectRole(s: Synthesized, statements: object[], extra: object = {}): void {
  s.template.resourceCountIs('AWS::IAM::Role', 1);
  s.template.resourceCountIs('AWS::IAM::Policy', 0);
  s.template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  s.template.hasResourceProperties(
    'AWS::IAM::Role',
    Match.objectEquals({
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
      Description: Match.anyValue(),
      Policies: [
        {
          PolicyName: 'BillingCollector',
          PolicyDocument: Match.objectEquals({ Version: '2012-10-17', Statement: Match.arrayEquals(statements) }),
        },
      ],
      ...extra,
    }),
  );
}

describe('the stack with its defaults', () => {
  it('gives the role exactly the collector policy, with GetSecretValue on the created secret and no boundary', () => {
    const secretArn = cfn(byDefault, byDefault.stack.collector.apiKeySecret.secretArn);
    expectRole(byDefault, collectorStatements(byDefault, secretArn));
  });

  it('runs the function on Node.js 24, arm64, 256 MB, for at most 2 minutes, with JSON logs at INFO', () => {
    byDefault.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 120,
      Handler: 'index.handler',
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        LogGroup: cfn(byDefault, byDefault.stack.collector.logGroup.logGroupName),
      },
    });
  });

  it('deploys what lambda/deployment.ts says, the module the command-line tool, the benchmark and the demo read', () => {
    byDefault.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: FUNCTION_RUNTIME.runtime,
      Architectures: [FUNCTION_RUNTIME.architecture],
      MemorySize: DEPLOYMENT_DEFAULTS.memorySizeMb,
      Timeout: DEPLOYMENT_DEFAULTS.timeoutSeconds,
    });
    byDefault.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: DEPLOYMENT_DEFAULTS.scheduleExpression });
  });

  it('has as many alarm metrics as the cost model prices for its rules (alarmMetrics)', () => {
    expect(alarmMetricCount(byDefault)).toBe(alarmMetrics(deployedRules({})));
    expect(alarmMetricCount(byDefault)).toBe(3);
  });

  it('sets only the secret ARN and the site in the environment, leaving the rest to the collector defaults', () => {
    byDefault.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          [ENV.datadogSite]: 'datadoghq.com',
          [ENV.apiKeySecretArn]: cfn(byDefault, byDefault.stack.collector.apiKeySecret.secretArn),
        }),
      },
    });
  });

  it('runs every hour, with two retries of events up to an hour old, on the rule and on the function', () => {
    const fnArn = cfn(byDefault, byDefault.stack.collector.function.functionArn);
    byDefault.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: fnArn, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } })],
    });
    byDefault.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
    byDefault.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: fnArn,
    });
  });

  it('keeps logs 30 days in a log group deleted with the stack', () => {
    byDefault.template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
  });

  it('creates the API key secret holding the placeholder, and keeps it when the stack is deleted', () => {
    byDefault.template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    byDefault.template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { SecretString: API_KEY_PLACEHOLDER },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('alarms on any failed run within an hour', () => {
    byDefault.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: cfn(byDefault, byDefault.stack.collector.function.functionName) }],
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
  });

  it('alarms when three hourly periods pass without a successful run, counting no data as none', () => {
    const fnName = cfn(byDefault, byDefault.stack.collector.function.functionName);
    const lambdaMetric = (id: string, name: string): object => ({
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{ Name: 'FunctionName', Value: fnName }] },
        Period: 3600,
        Stat: 'Sum',
      },
    });
    byDefault.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayEquals([
        Match.objectLike({ Expression: 'invocations - FILL(errors, 0)', ReturnData: true }),
        lambdaMetric('invocations', 'Invocations'),
        lambdaMetric('errors', 'Errors'),
      ]),
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: Match.absent(),
    });
  });

  it('creates no alarm topic when neither alarmEmail nor alarmTopicArn is given', () => {
    byDefault.template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('outputs the names, the secret, and the commands to put the key, invoke and read the logs', () => {
    const { stack, template } = byDefault;
    const { function: fn, logGroup, apiKeySecret } = stack.collector;
    const value = (v: string): unknown => cfn(byDefault, v);
    template.hasOutput('FunctionName', { Value: value(fn.functionName) });
    template.hasOutput('LogGroupName', { Value: value(logGroup.logGroupName) });
    template.hasOutput('ApiKeySecretArn', { Value: value(apiKeySecret.secretArn) });
    template.hasOutput('PutApiKeyCommand', { Value: value(putApiKeyCommand(apiKeySecret.secretArn, stack.region)) });
    template.hasOutput('SmokeTestCommand', {
      Value: value(`aws lambda invoke --region ${stack.region} --function-name ${fn.functionName} /dev/stdout`),
    });
    template.hasOutput('LogsTailCommand', {
      Value: value(`aws logs tail ${logGroup.logGroupName} --region ${stack.region} --since 15m`),
    });
  });

  it('synthesizes without CDK warnings or errors', () => {
    Annotations.fromStack(byDefault.stack).hasNoWarning('*', Match.anyValue());
    Annotations.fromStack(byDefault.stack).hasNoError('*', Match.anyValue());
  });
});

describe('the stack with an existing secret, its KMS key, an alarm e-mail and every setting given as -c strings', () => {
  it('grants GetSecretValue on the given ARN as is, Decrypt on the key only through Secrets Manager in its region, and nothing for the budgets it does not collect', () => {
    expectRole(
      withExistingSecret,
      collectorStatements(
        withExistingSecret,
        EXISTING_SECRET_CONTEXT.apiKeySecretArn,
        {
          Sid: 'DecryptApiKey',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: EXISTING_SECRET_CONTEXT.apiKeySecretKmsKeyArn,
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
        },
        false,
      ),
      { PermissionsBoundary: EXISTING_SECRET_CONTEXT.permissionsBoundaryArn, Tags: Match.anyValue() },
    );
  });

  it('creates no secret and outputs no put-key command', () => {
    withExistingSecret.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    withExistingSecret.template.hasOutput('ApiKeySecretArn', { Value: EXISTING_SECRET_CONTEXT.apiKeySecretArn });
    expect(Object.keys(withExistingSecret.template.findOutputs('PutApiKeyCommand'))).toEqual([]);
  });

  it('passes each setting to the environment under its own variable, lists comma-separated', () => {
    withExistingSecret.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectEquals({
          [ENV.apiKeySecretArn]: EXISTING_SECRET_CONTEXT.apiKeySecretArn,
          [ENV.datadogSite]: 'datadoghq.eu',
          [ENV.tags]: 'team:finops,cost-center:42',
          [ENV.env]: 'prod',
          [ENV.service]: 'billing',
          [ENV.metricPrefix]: 'custom.aws.billing',
          [ENV.collectBudgets]: 'false',
          [ENV.collectEstimatedCharges]: 'true',
          [ENV.collectLinkedAccountServices]: 'false',
          [ENV.serviceAllowlist]: 'AmazonEC2,AmazonS3',
          [ENV.serviceDenylist]: 'AWSDataTransfer',
          [ENV.apiKeyMaxAgeSeconds]: '3600',
          [ENV.sendHealthMetrics]: 'false',
        }),
      },
      LoggingConfig: Match.objectLike({ ApplicationLogLevel: 'DEBUG' }),
    });
  });

  it('keeps logs for the configured 90 days', () => {
    withExistingSecret.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('subscribes the e-mail to a new topic that only accepts TLS, and both alarms notify it on alarm and on recovery', () => {
    const { template } = withExistingSecret;
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: EXISTING_SECRET_CONTEXT.alarmEmail,
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    const topicArn = Object.keys(template.findResources('AWS::SNS::Topic')).map((id) => ({ Ref: id }));
    const alarms = template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmActions: topicArn, OKActions: topicArn },
    });
    expect(Object.keys(alarms)).toHaveLength(2);
  });

  it('puts the resource tags on every taggable resource', () => {
    const tags = Match.arrayWith([
      { Key: 'cost-center', Value: '42' },
      { Key: 'team', Value: 'finops' },
    ]);
    for (const type of ['AWS::Lambda::Function', 'AWS::IAM::Role', 'AWS::Logs::LogGroup', 'AWS::Events::Rule', 'AWS::SNS::Topic']) {
      withExistingSecret.template.hasResourceProperties(type, { Tags: tags });
    }
  });
});

describe('the stack with a cron schedule and an existing alarm topic', () => {
  it('runs on the cron expression as given', () => {
    withCron.template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: CRON_CONTEXT.schedule });
  });

  it('counts runs in periods of schedulePeriodMinutes', () => {
    const alarms = withCron.template.findResources('AWS::CloudWatch::Alarm');
    const periods = Object.values(alarms).flatMap((alarm) => {
      const props = alarm.Properties as { Period?: number; Metrics?: { MetricStat?: { Period: number } }[] };
      return [props.Period, ...(props.Metrics ?? []).map((metric) => metric.MetricStat?.Period)].filter((period) => period !== undefined);
    });
    expect(periods).toEqual([14_400, 14_400, 14_400]);
  });

  it('sends both alarms to the given topic and creates none', () => {
    withCron.template.resourceCountIs('AWS::SNS::Topic', 0);
    const alarms = withCron.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { AlarmActions: [CRON_CONTEXT.alarmTopicArn], OKActions: [CRON_CONTEXT.alarmTopicArn] },
    });
    expect(Object.keys(alarms)).toHaveLength(2);
  });
});

describe('the stack with collectCostExplorer', () => {
  const rules = (s: Synthesized) =>
    Object.values(s.template.findResources('AWS::Events::Rule')) as {
      Properties: { ScheduleExpression: string; Targets: { Arn: unknown; Input?: string; RetryPolicy: object }[] };
    }[];
  const alias = (s: Synthesized) => {
    const aliases = s.template.findResources('AWS::Lambda::Alias');
    expect(Object.keys(aliases)).toHaveLength(1);
    return { Ref: Object.keys(aliases)[0] };
  };

  it("has a second rule on costExplorerSchedule that sends the cost_explorer trigger's event, with no retries, to its own alias", () => {
    const second = rules(withCostExplorer).filter((rule) => rule.Properties.ScheduleExpression === 'rate(8 hours)');
    expect(second).toHaveLength(1);
    expect(second[0].Properties.Targets).toEqual([
      {
        Arn: alias(withCostExplorer),
        Id: expect.any(String) as string,
        Input: JSON.stringify(triggerEvent('cost_explorer')),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: DEPLOYMENT_DEFAULTS.maxEventAgeSeconds },
      },
    ]);
    // Lambda's asynchronous retries are the alias's own: none, while the hourly runs keep theirs.
    const configs = Object.values(withCostExplorer.template.findResources('AWS::Lambda::EventInvokeConfig')).map(
      (resource) =>
        (resource as { Properties: { Qualifier: unknown; MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number } }).Properties,
    );
    expect(configs.map((config) => [config.Qualifier === '$LATEST' ? '$LATEST' : 'alias', config.MaximumRetryAttempts]).sort()).toEqual([
      ['$LATEST', DEPLOYMENT_DEFAULTS.retryAttempts],
      ['alias', 0],
    ]);
    expect(configs.every((config) => config.MaximumEventAgeInSeconds === DEPLOYMENT_DEFAULTS.maxEventAgeSeconds)).toBe(true);
    withCostExplorer.template.hasResourceProperties('AWS::Lambda::Alias', { Name: COST_EXPLORER_ALIAS });
  });

  it("leaves the hourly rule's event and retries as they are", () => {
    const fnArn = cfn(withCostExplorer, withCostExplorer.stack.collector.function.functionArn);
    const hourly = rules(withCostExplorer).filter((rule) => rule.Properties.ScheduleExpression === 'rate(1 hour)');
    expect(hourly).toHaveLength(1);
    expect(hourly[0].Properties.Targets).toEqual([
      { Arn: fnArn, Id: expect.any(String) as string, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } },
    ]);
  });

  it('has no second rule, and no alias, without a source on the cost_explorer trigger', () => {
    for (const s of [byDefault, withExistingSecret, withCron]) {
      expect(rules(s)).toHaveLength(1);
      expect(rules(s)[0].Properties.Targets[0].Input).toBeUndefined();
      s.template.resourceCountIs('AWS::Lambda::Alias', 0);
      s.template.resourceCountIs('AWS::Lambda::Version', 0);
    }
  });

  it('gives the role exactly ce:GetCostAndUsage and ce:GetCostForecast on * beside the default statements', () => {
    const secretArn = cfn(withCostExplorer, withCostExplorer.stack.collector.apiKeySecret.secretArn);
    const [billing, ...rest] = collectorStatements(withCostExplorer, secretArn);
    expectRole(withCostExplorer, [
      billing,
      rest[0],
      { Sid: 'ReadCostExplorer', Effect: 'Allow', Action: ['ce:GetCostAndUsage', 'ce:GetCostForecast'], Resource: '*' },
      ...rest.slice(1),
    ]);
  });

  it("counts only the hourly runs' successes in the no-successful-run alarm: the alias's runs are taken out", () => {
    const fnName = cfn(withCostExplorer, withCostExplorer.stack.collector.function.functionName);
    const lambdaMetric = (id: string, name: string, resource?: unknown): object => ({
      Id: id,
      ReturnData: false,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/Lambda',
          MetricName: name,
          Dimensions: [{ Name: 'FunctionName', Value: fnName }, ...(resource === undefined ? [] : [{ Name: 'Resource', Value: resource }])],
        },
        Period: 3600,
        Stat: 'Sum',
      },
    });
    const aliasResource = Match.anyValue();
    withCostExplorer.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayEquals([
        Match.objectLike({
          Expression: 'invocations - FILL(errors, 0) - (FILL(secondInvocations, 0) - FILL(secondErrors, 0))',
          ReturnData: true,
        }),
        lambdaMetric('invocations', 'Invocations'),
        lambdaMetric('errors', 'Errors'),
        lambdaMetric('secondInvocations', 'Invocations', aliasResource),
        lambdaMetric('secondErrors', 'Errors', aliasResource),
      ]),
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('has the alarm metrics the cost model prices for both rules (alarmMetrics), two more than the default stack', () => {
    expect(alarmMetricCount(withCostExplorer)).toBe(alarmMetrics(deployedRules({ collectCostExplorer: true })));
    expect(alarmMetricCount(withCostExplorer)).toBe(alarmMetricCount(byDefault) + 2);
  });
});

describe("the stack's alarm metrics against estimate's CloudWatch alarms line", () => {
  /** `estimate`'s line for a deployment with these switches, its rules as the construct decides them. */
  const estimatedAlarmMetrics = (switches: Parameters<typeof deployedRules>[0]): number | undefined => {
    const rules = deployedRules(switches);
    const result = estimate({
      seriesByMetric: {},
      notSent: {},
      perRun: { calls: {}, metricsRequested: 0 },
      operations: [],
      scheduleMinutes: 60,
      hourlyRule: rules.schedule,
      apiKeyMaxAgeHours: 6,
      ...(rules.cost_explorer ? { costExplorer: { scheduleMinutes: 720, calls: {}, seriesByMetric: {}, operations: [] } } : {}),
    });
    return result.awsCost.lines.find((line) => line.item === 'CloudWatch alarms')?.quantity;
  };

  it.each([
    ['the default stack', () => byDefault, {}],
    ['the stack with Cost Explorer beside the hourly sources', () => withCostExplorer, { collectCostExplorer: true }],
    [
      'the stack of the second rule alone',
      () => costExplorerOnly,
      { collectBudgets: false, collectEstimatedCharges: false, collectCostExplorer: true },
    ],
  ])('agree for %s', (_name, synthesized, switches) => {
    expect(estimatedAlarmMetrics(switches)).toBe(alarmMetricCount(synthesized()));
  });
});

describe('the stack with only second-rule sources on (Cost Explorer, budgets and estimated charges off)', () => {
  const rules = (s: Synthesized) =>
    Object.values(s.template.findResources('AWS::Events::Rule')) as {
      Properties: { ScheduleExpression: string; Targets: { Arn: unknown; Input?: string }[] };
    }[];

  it('has no hourly rule: its one rule is the second, sending the cost_explorer trigger to the alias', () => {
    const [only, ...others] = rules(costExplorerOnly);
    expect(others).toEqual([]);
    expect(only.Properties.ScheduleExpression).toBe(DEPLOYMENT_DEFAULTS.costExplorerScheduleExpression);
    expect(only.Properties.Targets.map((target) => target.Input)).toEqual([JSON.stringify(triggerEvent('cost_explorer'))]);
    expect(costExplorerOnly.stack.collector.rule).toBeUndefined();
    costExplorerOnly.template.hasResourceProperties('AWS::Lambda::Alias', { Name: COST_EXPLORER_ALIAS });
  });

  it('has the errors alarm alone, on the function\'s errors by FunctionName, which count the alias\'s runs; no "no successful run" alarm', () => {
    const fnName = cfn(costExplorerOnly, costExplorerOnly.stack.collector.function.functionName);
    const alarms = Object.values(costExplorerOnly.template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(1);
    expect(costExplorerOnly.stack.collector.noSuccessAlarm).toBeUndefined();
    const topic = 'arn:aws:sns:us-east-1:123456789012:billing-alarms';
    costExplorerOnly.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      // FunctionName alone: Lambda aggregates every version and alias of the function under it.
      Dimensions: [{ Name: 'FunctionName', Value: fnName }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  it('has the alarm metrics the cost model prices for the second rule alone (alarmMetrics)', () => {
    expect(alarmMetricCount(costExplorerOnly)).toBe(
      alarmMetrics(deployedRules({ collectBudgets: false, collectEstimatedCharges: false, collectCostExplorer: true })),
    );
    expect(alarmMetricCount(costExplorerOnly)).toBe(1);
  });

  it('keeps the hourly rule and both alarms with an hourly source on', () => {
    for (const s of [byDefault, withCostExplorer]) {
      expect(s.stack.collector.rule).toBeDefined();
      expect(s.stack.collector.noSuccessAlarm).toBeDefined();
      expect(rules(s).filter((rule) => rule.Properties.ScheduleExpression === DEPLOYMENT_DEFAULTS.scheduleExpression)).toHaveLength(1);
    }
  });
});

describe('the API key', () => {
  const KEY_LIKE = /\b[0-9a-f]{32}\b/i;

  it.each([
    ['the default stack', () => byDefault],
    ['the stack with an existing secret', () => withExistingSecret],
    ['the stack with a cron schedule', () => withCron],
  ])('is nowhere in %s: no 32-hex value, no DD_API_KEY variable', (_name, synthesized) => {
    const { template } = synthesized();
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toMatch(KEY_LIKE);
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      const variables = Object.keys((fn.Properties as { Environment: { Variables: object } }).Environment.Variables);
      expect(variables).not.toContain('DD_API_KEY');
    }
  });

  it('placeholder appears only as the value of the created secret', () => {
    const countIn = (template: Template): number => JSON.stringify(template.toJSON()).split(API_KEY_PLACEHOLDER).length - 1;
    expect(countIn(byDefault.template)).toBe(1);
    expect(countIn(withExistingSecret.template)).toBe(0);
    expect(countIn(withCron.template)).toBe(1);
  });
});
