import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudAssemblyError, collectorFunctions, readCollectorFunction } from '../../tools/cloud-assembly';

type Json = Record<string, unknown>;

const collector = (overrides: Json = {}): Json => ({
  Type: 'AWS::Lambda::Function',
  Properties: {
    Handler: 'index.handler',
    Runtime: 'nodejs22.x',
    MemorySize: 256,
    Timeout: 120,
    Architectures: ['arm64'],
    Environment: {
      Variables: { DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf', DD_SITE: { Ref: 'Site' } },
    },
    LoggingConfig: { ApplicationLogLevel: 'INFO', LogFormat: 'JSON' },
    ...overrides,
  },
  Metadata: { 'aws:asset:path': 'asset.collector' },
});
const helper: Json = {
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Environment: { Variables: {} } },
  Metadata: { 'aws:asset:path': 'asset.helper' },
};
const schedule: Json = { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)' } };

let dir: string;

/** Writes an assembly directory: a manifest naming each stack's template, the templates, and the asset folders. */
function writeAssembly(
  at: string,
  stacks: Record<string, Record<string, Json>>,
  assets: readonly string[] = ['asset.collector'],
  extra: Json = {},
): void {
  mkdirSync(at, { recursive: true });
  const artifacts: Json = { ...extra };
  for (const [stack, resources] of Object.entries(stacks)) {
    artifacts[stack] = { type: 'aws:cloudformation:stack', properties: { templateFile: `${stack}.template.json` } };
    writeFileSync(join(at, `${stack}.template.json`), JSON.stringify({ Resources: resources }));
  }
  writeFileSync(join(at, 'manifest.json'), JSON.stringify({ artifacts }));
  for (const asset of assets) {
    mkdirSync(join(at, asset), { recursive: true });
    writeFileSync(join(at, asset, 'index.js'), 'exports.handler = async () => {};');
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-assembly-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readCollectorFunction', () => {
  it('reads the collector, its bundled module and its settings as the template writes them', () => {
    writeAssembly(dir, { Billing: { Collector: collector(), Helper: helper, Schedule: schedule } }, ['asset.collector', 'asset.helper']);

    expect(readCollectorFunction(dir)).toEqual({
      stack: 'Billing',
      logicalId: 'Collector',
      assetDir: join(dir, 'asset.collector'),
      bundleFile: join(dir, 'asset.collector', 'index.js'),
      handlerExport: 'handler',
      environment: { DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf', DD_SITE: { Ref: 'Site' } },
      runtime: 'nodejs22.x',
      memorySize: 256,
      architectures: ['arm64'],
      timeoutSeconds: 120,
      scheduleExpression: 'rate(1 hour)',
      rules: [{ logicalId: 'Schedule', scheduleExpression: 'rate(1 hour)', inputs: [] }],
      applicationLogLevel: 'INFO',
      logFormat: 'JSON',
      tables: [],
    });
  });

  it("reads each rule's schedule and the event its targets send; the hourly schedule is the rule that sends EventBridge's own", () => {
    const rule = (expression: string, input?: unknown): Json => ({
      Type: 'AWS::Events::Rule',
      Properties: {
        ScheduleExpression: expression,
        Targets: [{ Arn: { Ref: 'Fn' }, ...(input === undefined ? {} : { Input: JSON.stringify(input) }) }],
      },
    });
    writeAssembly(dir, {
      Billing: { Collector: collector(), Second: rule('rate(12 hours)', { trigger: 'cost_explorer' }), Hourly: rule('rate(1 hour)') },
    });

    const found = readCollectorFunction(dir);
    expect(found.scheduleExpression).toBe('rate(1 hour)');
    expect(found.rules).toEqual([
      { logicalId: 'Second', scheduleExpression: 'rate(12 hours)', inputs: [{ trigger: 'cost_explorer' }] },
      { logicalId: 'Hourly', scheduleExpression: 'rate(1 hour)', inputs: [undefined] },
    ]);
  });

  it("lists the stack's DynamoDB tables, whose ARNs the environment may name", () => {
    const table = { Type: 'AWS::DynamoDB::Table', Properties: {} };
    writeAssembly(dir, { Billing: { Collector: collector(), State: table } }, ['asset.collector']);
    expect(readCollectorFunction(dir).tables).toEqual(['State']);
  });

  it('finds the asset through the assets manifest when the template has no asset metadata', () => {
    const withoutMetadata = { ...collector({ Code: { S3Bucket: 'b', S3Key: 'abc123.zip' } }), Metadata: {} };
    writeAssembly(dir, { Billing: { Collector: withoutMetadata } }, ['asset.abc123']);
    writeFileSync(
      join(dir, 'Billing.assets.json'),
      JSON.stringify({ files: { abc123: { source: { path: 'asset.abc123' }, destinations: { d: { objectKey: 'abc123.zip' } } } } }),
    );

    expect(readCollectorFunction(dir).bundleFile).toBe(join(dir, 'asset.abc123', 'index.js'));
  });

  it('looks into a nested assembly (a stage)', () => {
    writeAssembly(dir, {}, [], { Stage: { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Stage' } } });
    writeAssembly(join(dir, 'assembly-Stage'), { StageBilling: { Collector: collector() } });

    expect(readCollectorFunction(dir)).toMatchObject({
      stack: 'StageBilling',
      bundleFile: join(dir, 'assembly-Stage', 'asset.collector', 'index.js'),
    });
  });

  it.each<{ name: string; resources: Record<string, Json>; assets: string[]; error: RegExp }>([
    {
      name: 'no function names the API key secret',
      resources: { Helper: helper },
      assets: ['asset.helper'],
      error: /no AWS::Lambda::Function with DD_API_KEY_SECRET_ARN/,
    },
    { name: 'the asset was not bundled', resources: { Collector: collector() }, assets: [], error: /is the asset bundled/ },
    {
      name: 'two functions name the secret',
      resources: { One: collector(), Two: collector() },
      assets: ['asset.collector'],
      error: /2 functions .*Billing\/One, Billing\/Two/,
    },
  ])('throws a CloudAssemblyError when $name', ({ resources, assets, error }) => {
    writeAssembly(dir, { Billing: resources }, assets);

    expect(() => readCollectorFunction(dir)).toThrow(CloudAssemblyError);
    expect(() => readCollectorFunction(dir)).toThrow(error);
  });
});

describe('collectorFunctions', () => {
  it('finds nothing in a directory that is not a cloud assembly', () => {
    expect(collectorFunctions(dir)).toEqual([]);
  });
});
