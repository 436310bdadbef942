/**
 * Entry point of the `aws-billing-to-datadog` command (`npm run cli -- <command>`, or the `bin`
 * shim `cli/bin.js`). Everything testable lives in `program.ts`; this file only wires the
 * process to it.
 */
import { version } from '../package.json';
import { masked } from '../lambda/mask';
import { processIo } from './io';
import { runCli } from './program';

// The AWS SDK warns on stderr, once per process, that its 2027 releases will need Node 22.
// It reads this variable when the first client is built; an explicit setting is respected.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2), processIo(), version).then(
  (code) => {
    // Not process.exit(): stdout to a pipe is asynchronous, and exiting could cut the output.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${masked(error instanceof Error ? error.message : String(error))}\n`);
    process.exitCode = 1;
  },
);
