/**
 * `npm run datadog:generate -- [--prefix p] [--schedule-minutes n] [--actual-share f] [--notify @h...] [--out-dir d]`
 *
 * Writes `datadog/dashboard.json` and `datadog/monitors.json`. Without options it writes the
 * committed defaults (prefix `aws.billing`, a run every 60 minutes).
 */
import { runGenerate } from './cli';

void runGenerate(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
