/**
 * The moto recipe of docs/cli.md, as a newcomer runs it: `npm run sandbox:moto` seeds moto with
 * the demo's sample account and starts a local intake, and the tool's `collect` then sends what
 * the demo sends from the project's own fake AWS: moto is the independent check of that data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBillingSeries, sampleBudgets } from '../../cli/demo/sample-account';
import { DEMO_API_KEY } from '../../cli/demo/scenarios';
import { REPO_ROOT, runCli } from '../cli/run-cli';
import { startMoto, type MotoServer } from '../support/moto-server';

/** What the sample account gives, counted as test/cli/demo.test.ts counts the demo's: the same data, the same series. */
function sampleSeries(): number {
  const costBudgets = sampleBudgets(new Date()).filter((budget) => budget.BudgetType === 'COST');
  const forecasts = costBudgets.filter((budget) => budget.CalculatedSpend?.ForecastedSpend !== undefined).length;
  const healthSeries = 4;
  // A threshold and its alarm per notification; the two alert levels per budget.
  const thresholds = 2 * costBudgets.flatMap((budget) => budget.Notifications ?? []).length;
  return sampleBillingSeries().length + 4 * costBudgets.length + forecasts + thresholds + healthSeries;
}

let moto: MotoServer;
let sandbox: ChildProcess;
let output = '';

/** Resolves with the sandbox's output once it says it is ready. */
function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready;')) resolve(output);
    });
    child.on('exit', (code) => reject(new Error(`the sandbox exited ${code} before it was ready:\n${output}`)));
  });
}

beforeAll(async () => {
  moto = await startMoto();
  sandbox = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['test/support/moto-sandbox.ts', moto.endpoint], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  await ready(sandbox);
}, 120_000);

afterAll(async () => {
  sandbox?.kill('SIGINT');
  await moto?.stop();
});

describe('npm run sandbox:moto', () => {
  it('prints commands that collect the sample account from moto into the local intake, as the demo does', async () => {
    const secretArn = /--api-key-secret-arn (\S+)/.exec(output)?.[1];
    const apiUrl = /--api-url (\S+)/.exec(output)?.[1];
    const awsEndpoint = /AWS_ENDPOINT_URL=(\S+)/.exec(output)?.[1];
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:datadog-api-key-/);
    expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const run = await runCli(['collect', '--api-key-secret-arn', secretArn ?? '', '--api-url', apiUrl ?? ''], {
      env: { AWS_ENDPOINT_URL: awsEndpoint ?? '', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${sampleSeries()} of ${sampleSeries()} series sent`);
    expect(run.stdout + run.stderr + output).not.toContain(DEMO_API_KEY);
  }, 60_000);
});
