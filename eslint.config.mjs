import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers, checked. `lambda/` is the bottom: it is bundled into the function, so it imports
 * no other folder of the project and nothing of the CDK. `lib/` (the CDK layer) and `cli/` and
 * `tools/` build on it; `cli/` and `tools/` run on a laptop without the CDK, so they import
 * neither `aws-cdk-lib` nor `lib/`, which pulls it in. Relative imports are matched by the
 * folder they climb to (`../lib/...`, `../../lib/...`).
 */
const climbsTo = (...folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;
const CDK_PACKAGES = '^(aws-cdk-lib|constructs|cdk-nag)(/|$)';
const CDK_MESSAGE = 'the CDK belongs in lib/ and bin/ only; take the fact from lambda/ (or move it there) instead.';

/** One `no-restricted-imports` setting: each entry is a pattern and what to do instead. */
const restrictImports = (...patterns) => ['error', { patterns: patterns.map(([regex, message]) => ({ regex, message })) }];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.tmp/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The logger and the command-line tool are the only places that write to the console.
    files: ['lambda/log.ts', 'bin/app.ts', 'cli/**/*.ts', 'bench/**/*.ts', 'tools/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['lambda/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        [
          climbsTo('lib', 'cli', 'tools', 'bench', 'fakes', 'test', 'bin'),
          'lambda/ is the bottom layer, bundled into the function: it imports only lambda/ and packages. Move what it needs into lambda/.',
        ],
        [CDK_PACKAGES, `lambda/ is bundled into the function: ${CDK_MESSAGE}`],
        [
          '^@aws-sdk/client-lambda$',
          "lambda/ is bundled into the function, which never invokes a function: the Lambda client is the command-line tool's (check --function).",
        ],
      ),
    },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        [climbsTo('lib', 'bin'), `lib/ pulls aws-cdk-lib into the command-line tool: ${CDK_MESSAGE}`],
        [climbsTo('bench', 'fakes', 'test'), 'the command-line tool does not depend on tests, fakes or the benchmark.'],
        [CDK_PACKAGES, `the command-line tool runs without the CDK: ${CDK_MESSAGE}`],
      ),
    },
  },
  {
    // The exception: the demo runs the collector against the project's fakes, so its own files
    // may import fakes/. Everything else of the rule above holds for them (no CDK, no lib/, no
    // tests, no benchmark); the rest of cli/ still may not import fakes/.
    files: ['cli/commands/demo.ts', 'cli/demo/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        [climbsTo('lib', 'bin'), `lib/ pulls aws-cdk-lib into the command-line tool: ${CDK_MESSAGE}`],
        [climbsTo('bench', 'test', 'scripts'), 'the demo does not depend on tests or the benchmark.'],
        [CDK_PACKAGES, `the command-line tool runs without the CDK: ${CDK_MESSAGE}`],
      ),
    },
  },
  {
    files: ['tools/**/*.ts'],
    rules: {
      'no-restricted-imports': restrictImports(
        [climbsTo('lib', 'bin'), `lib/ pulls aws-cdk-lib into the Datadog tools: ${CDK_MESSAGE}`],
        [climbsTo('cli'), 'tools/ sits below cli/: the command-line tool imports tools/, not the other way round.'],
        [climbsTo('bench', 'fakes', 'test'), 'the Datadog tools do not depend on tests, fakes or the benchmark.'],
        [CDK_PACKAGES, `the Datadog tools run without the CDK: ${CDK_MESSAGE}`],
      ),
    },
  },
);
