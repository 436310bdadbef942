/**
 * The layering rule of eslint.config.mjs can fail: each forbidden import is reported with the
 * rule's message, and each allowed one passes. Linted as text under a made-up file name, so the
 * check does not depend on what the tree imports today.
 */
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = join(__dirname, '..', '..');

let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: REPO_ROOT, overrideConfigFile: join(REPO_ROOT, 'eslint.config.mjs') });
});

/** The `no-restricted-imports` messages for one import, linted as if it were in `file`. */
async function layeringMessages(file: string, source: string): Promise<string[]> {
  const code = `import { thing } from '${source}';\nexport const used = thing;\n`;
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, file) });
  return result.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the layering rule', () => {
  it.each([
    ['lambda/collect.ts', '../lib/context', 'lambda/ is the bottom layer'],
    ['lambda/datadog/submit.ts', '../../lib/billing-collector', 'lambda/ is the bottom layer'],
    ['lambda/handler.ts', '../cli/errors', 'lambda/ is the bottom layer'],
    ['lambda/handler.ts', '../tools/datadog/settings', 'lambda/ is the bottom layer'],
    ['lambda/sources/budgets.ts', '../../bench/fake-aws', 'lambda/ is the bottom layer'],
    ['lambda/handler.ts', '../fakes/datadog/api', 'lambda/ is the bottom layer'],
    ['lambda/handler.ts', '../test/support/seed', 'lambda/ is the bottom layer'],
    ['lambda/handler.ts', 'aws-cdk-lib', 'lambda/ is bundled into the function'],
    ['lambda/handler.ts', 'aws-cdk-lib/aws-lambda', 'lambda/ is bundled into the function'],
    ['cli/program.ts', 'aws-cdk-lib', 'the command-line tool runs without the CDK'],
    ['cli/commands/check.ts', 'constructs', 'the command-line tool runs without the CDK'],
    ['cli/settings.ts', '../lib/context', 'lib/ pulls aws-cdk-lib into the command-line tool'],
    ['cli/commands/estimate.ts', '../../lib/billing-collector-props', 'lib/ pulls aws-cdk-lib into the command-line tool'],
    ['tools/datadog/apply.ts', 'aws-cdk-lib/aws-iam', 'the Datadog tools run without the CDK'],
    ['tools/datadog/settings.ts', '../../lib/schedule', 'lib/ pulls aws-cdk-lib into the Datadog tools'],
    ['tools/datadog/apply.ts', '../../cli/errors', 'tools/ sits below cli/'],
  ])('%s may not import %s', async (file, source, message) => {
    const messages = await layeringMessages(file, source);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it.each([
    ['lambda/handler.ts', './errors'],
    ['lambda/datadog/submit.ts', '../errors'],
    ['lambda/sources/budgets.ts', '@aws-sdk/client-budgets'],
    ['cli/program.ts', '../lambda/errors'],
    ['cli/commands/datadog.ts', '../../tools/datadog/apply'],
    ['cli/program.ts', 'commander'],
    ['tools/datadog/settings.ts', '../../lambda/metrics'],
    ['lib/billing-collector.ts', 'aws-cdk-lib'],
    ['lib/context.ts', '../lambda/errors'],
    ['test/cli/program.test.ts', '../../lib/context'],
  ])('%s may import %s', async (file, source) => {
    expect(await layeringMessages(file, source)).toEqual([]);
  });
});
