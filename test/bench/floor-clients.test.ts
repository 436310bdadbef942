/**
 * The bundle floor (bench/floor/clients.ts) carries the AWS SDK clients and commands of the
 * bundle it is the floor of, read from that bundle's esbuild metafile: a client added to the
 * function is in the floor without anyone listing it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floorEntry, sdkClientsOf, type Metafile } from '../../bench/floor/clients';
import { CONSTRUCT_VARIANT, esbuildLikeCdk, targetOf, type BuiltBundle } from '../../tools/bundle';
import { FUNCTION_RUNTIME, HANDLER } from '../../lambda/deployment';

const ROOT = resolve(__dirname, '../..');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'floor-clients-'));
});
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function metafile(inputs: Record<string, number>): Metafile {
  return {
    outputs: {
      'out/index.js': { inputs: Object.fromEntries(Object.entries(inputs).map(([path, bytesInOutput]) => [path, { bytesInOutput }])) },
    },
  };
}

/** Bundles `entry` as the benchmark does (NodejsFunction's command line), into a folder of its own. */
function bundle(entry: string, name: string): Promise<BuiltBundle> {
  mkdirSync(join(dir, name), { recursive: true });
  return esbuildLikeCdk(ROOT, entry, join(dir, name, 'index.js'), targetOf(FUNCTION_RUNTIME.runtime), CONSTRUCT_VARIANT);
}

/** The `@aws-sdk/client-*` packages with bytes in a bundle. */
function clientPackages(built: BuiltBundle): string[] {
  return Object.keys(built.breakdown ?? {})
    .filter((name) => name.startsWith('@aws-sdk/client-'))
    .sort();
}

/** The derived floor of a bundle, bundled the same way. */
async function floorOf(built: BuiltBundle, name: string): Promise<BuiltBundle> {
  const entry = join(dir, `${name}-entry.ts`);
  writeFileSync(
    entry,
    floorEntry(sdkClientsOf(JSON.parse(readFileSync(built.metafile ?? '', 'utf8')) as Metafile), join(ROOT, 'node_modules')),
  );
  return bundle(entry, name);
}

describe('sdkClientsOf', () => {
  it('names each client package with its client class and the commands the bundle kept, sorted', () => {
    expect(
      sdkClientsOf(
        metafile({
          'node_modules/@aws-sdk/client-cloudwatch/dist-es/CloudWatchClient.js': 757,
          'node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/ListMetricsCommand.js': 50,
          'node_modules/@aws-sdk/client-cloudwatch/dist-es/commands/GetMetricDataCommand.js': 52,
          'node_modules/@aws-sdk/client-budgets/dist-es/BudgetsClient.js': 749,
          'node_modules/@aws-sdk/client-budgets/dist-es/schemas/schemas_0.js': 4126,
          'lambda/sources/budgets.ts': 3000,
        }),
      ),
    ).toEqual([
      { packageName: '@aws-sdk/client-budgets', client: 'BudgetsClient', commands: [] },
      { packageName: '@aws-sdk/client-cloudwatch', client: 'CloudWatchClient', commands: ['GetMetricDataCommand', 'ListMetricsCommand'] },
    ]);
  });

  it("leaves out what esbuild shook out (0 bytes) and the credential providers' nested clients", () => {
    expect(
      sdkClientsOf(
        metafile({
          'node_modules/@aws-sdk/client-sts/dist-es/STSClient.js': 781,
          'node_modules/@aws-sdk/client-sts/dist-es/commands/AssumeRoleCommand.js': 49,
          'node_modules/@aws-sdk/client-sts/dist-es/commands/GetCallerIdentityCommand.js': 0,
          'node_modules/@aws-sdk/client-lambda/dist-es/LambdaClient.js': 0,
          'node_modules/@aws-sdk/nested-clients/dist-es/submodules/sso/SSOClient.js': 700,
        }),
      ),
    ).toEqual([{ packageName: '@aws-sdk/client-sts', client: 'STSClient', commands: ['AssumeRoleCommand'] }]);
  });

  it("refuses a bundle of the SDK's CommonJS builds, which name no client file", () => {
    expect(() => sdkClientsOf(metafile({ 'node_modules/@aws-sdk/client-budgets/dist-cjs/index.js': 90_000 }))).toThrow(
      /names no @aws-sdk\/client-\* client class/,
    );
  });
});

describe('the floor of a real bundle, built as the benchmark builds it', () => {
  it("carries every SDK client package of the collector's handler, and no code of the collector", async () => {
    const handler = await bundle(resolve(ROOT, HANDLER.entry), 'handler');
    const floor = await floorOf(handler, 'floor');
    expect(clientPackages(handler).length).toBeGreaterThanOrEqual(3);
    expect(clientPackages(floor)).toEqual(clientPackages(handler));
    expect(Object.keys(floor.breakdown ?? {}).filter((group) => group.startsWith('lambda'))).toEqual([]);
    expect(floor.minifiedBytes).toBeLessThan(handler.minifiedBytes);
  }, 120_000);

  it('gains a client the function starts to use, with its commands, without a list to update', async () => {
    const read = (built: BuiltBundle) => sdkClientsOf(JSON.parse(readFileSync(built.metafile ?? '', 'utf8')) as Metafile);
    const before = read(await bundle(resolve(ROOT, HANDLER.entry), 'handler-alone'));
    const entry = join(dir, 'handler-with-lambda.ts');
    const lambdaClient = join(ROOT, 'node_modules', '@aws-sdk', 'client-lambda');
    writeFileSync(
      entry,
      [
        `export * from ${JSON.stringify(resolve(ROOT, HANDLER.entry))};`,
        `import { InvokeCommand, LambdaClient } from ${JSON.stringify(lambdaClient)};`,
        "export const invoke = (): Promise<unknown> => new LambdaClient({}).send(new InvokeCommand({ FunctionName: 'f' }));",
      ].join('\n'),
    );
    const after = read(await bundle(entry, 'handler-with-lambda'));
    expect(after).toEqual(
      [...before, { packageName: '@aws-sdk/client-lambda', client: 'LambdaClient', commands: ['InvokeCommand'] }].sort((a, b) =>
        a.packageName < b.packageName ? -1 : 1,
      ),
    );
  }, 120_000);
});
