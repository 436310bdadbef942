/**
 * `npm run datadog:apply -- [--dry-run] [--site datadoghq.com] [--prefix p] [--schedule-minutes n] ...`
 *
 * Creates or updates the dashboard and monitors in Datadog. Keys come from `DD_API_KEY` and
 * `DD_APP_KEY`, the site from `DD_SITE`; the keys are never printed.
 */
import { runApply } from './cli';

void runApply(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
