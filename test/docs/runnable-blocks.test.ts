/**
 * The docs' runnable shell blocks (`<!-- runs-offline -->`, see `runnable-blocks.ts`): each
 * marker reads, sits right before a shell block, and marks only what a newcomer runs without
 * AWS. The end-to-end tier runs them (`test/e2e/doc-blocks.test.ts`).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRunnableBlocks, runnableBlocks } from './runnable-blocks';

const ROOT = resolve(__dirname, '..', '..');

describe('the runs-offline markers', () => {
  it('read as a block of commands, their exit codes and the texts their output must hold', () => {
    const text = [
      'Try it:',
      '',
      `<!-- runs-offline exit=0,1 expect="Run summary" expect='fix: Turn on "Receive Billing Alerts"' -->`,
      '```sh',
      'npm ci && npm run demo   # see it work',
      '# a comment',
      'npm run -s demo -- \\',
      '  --scenario billing-alerts-off',
      '```',
    ].join('\n');
    expect(runnableBlocks('README.md', text)).toEqual([
      {
        where: 'README.md:4',
        commands: ['npm run demo   # see it work', 'npm run -s demo --    --scenario billing-alerts-off'],
        exits: [0, 1],
        expects: ['Run summary', 'fix: Turn on "Receive Billing Alerts"'],
      },
    ]);
  });

  it('leave alone a marker shown inside a code block, as an example', () => {
    expect(runnableBlocks('docs/x.md', '```text\n<!-- runs-offline -->\n```\n')).toEqual([]);
  });

  it.each([
    ['not right before a shell block', '<!-- runs-offline -->\n\n```sh\nnpm run demo\n```', /must be right before a ```sh block/],
    [
      'an exit code per command that does not match',
      '<!-- runs-offline exit=0,1,2 -->\n```sh\nnpm run demo\n```',
      /3 codes for 1 commands/,
    ],
    ['an attribute it does not know', '<!-- runs-offline timeout=5 -->\n```sh\nnpm run demo\n```', /cannot read the marker's attributes/],
  ])('refuse a marker %s', (_, text, problem) => {
    expect(() => runnableBlocks('docs/x.md', text)).toThrow(problem);
  });

  it('mark the demo, its scenarios, the help, collect --dry-run, estimate and datadog generate, and nothing slow, recursive, deploying, calling the aws CLI or holding a placeholder', () => {
    const blocks = allRunnableBlocks(ROOT);
    const commands = blocks.flatMap((block) => block.commands);
    for (const wanted of [
      /^npm run demo\b/,
      /--scenario billing-alerts-off/,
      /--scenario key-refused/,
      /cli -- --help/,
      /datadog:generate/,
    ]) {
      expect(
        commands.some((command) => wanted.test(command)),
        String(wanted),
      ).toBe(true);
    }
    for (const command of commands) {
      expect(command).not.toMatch(/\bnpm (ci|test|run test)\b|test:e2e|cdk (deploy|synth)|\baws |<[a-z][^>]*>/);
    }
    for (const block of blocks) expect(block.expects.length, `${block.where} checks some output`).toBeGreaterThan(0);
  });
});
