/**
 * `collect [--dry-run]`: one collection, as the function runs it, for the account of the
 * current credentials. A dry run builds every series and sends nothing.
 */
import { ApiKeyError } from '../../lambda/errors';
import { apiKeySource, noKeyMessage } from '../api-key';
import { AwsClientFactory, callerIdentity } from '../aws';
import { EXIT, UsageError, type ExitCode } from '../errors';
import { seriesTable, summaryText } from '../format';
import { Progress, stderrLogger, type Io } from '../io';
import { awsCallLine, datadogRequestLine } from '../network';
import { runCollection } from '../run';
import { resolveSettings, type CollectorFlags, type DatadogFlags } from '../settings';

export interface CollectOptions {
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly profile?: string;
  readonly collector: CollectorFlags;
  readonly datadog: DatadogFlags;
}

export async function runCollect(options: CollectOptions, io: Io): Promise<ExitCode> {
  const settings = resolveSettings(options.collector, options.datadog, io.env);
  if (!options.dryRun && settings.key.kind === 'none') {
    throw new UsageError([`${noKeyMessage()}; or preview with --dry-run, which sends nothing`]);
  }
  const progress = new Progress(io);
  // Information lines (each AWS call and Datadog request among them) are shown with --verbose only.
  const log = stderrLogger(io, settings.config.logLevel, options.json, progress);
  const aws = new AwsClientFactory({ profile: options.profile, observe: (call) => log.info(awsCallLine(call)) });
  try {
    let apiKey;
    try {
      apiKey = apiKeySource(settings.key, aws, settings.config.apiKeyMaxAgeMs);
    } catch (error) {
      // A malformed DD_API_KEY is found before any call: a configuration error.
      if (error instanceof ApiKeyError) throw new UsageError([error.problem], { fix: error.fix, cause: error });
      throw error;
    }
    progress.step('Resolving the AWS account (STS GetCallerIdentity)');
    const { accountId, arn } = await callerIdentity(aws, options.profile);
    progress.step(
      options.dryRun ? 'Reading budgets and billing metrics (dry run)' : 'Reading budgets and billing metrics, then sending to Datadog',
    );
    const result = await runCollection({
      config: settings.config,
      accountId,
      callerArn: arn,
      aws,
      apiKey,
      log,
      dryRun: options.dryRun,
      observeDatadog: (exchange) => log.info(datadogRequestLine(exchange)),
    });
    progress.clear();

    if (options.json) {
      io.out(`${JSON.stringify({ summary: result.summary, series: result.series }, null, 2)}\n`);
    } else {
      const heading = options.dryRun
        ? `Dry run for account ${accountId}: the series the collector would send (nothing was sent).`
        : `Collection for account ${accountId}: ${result.summary.datadog.seriesSent} of ${result.summary.seriesTotal} series sent to Datadog.`;
      io.out(`${heading}\n\n${seriesTable(result.series)}\n${summaryText(result.summary, settings.config.apiOrigin)}`);
    }
    return result.summary.errors.length === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    progress.clear();
    aws.destroy();
  }
}
