/**
 * The command line: commander parses it, each command's `run*` does the work, and this module
 * turns every outcome into an exit code (0 all good, 1 something failed while running, 2 a
 * usage or configuration error, commander's own included).
 */
import { masked } from '../lambda/mask';
import { withSecretsDescribed } from '../lambda/secret-shape';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ActionableError, describeError } from '../lambda/errors';
import { SOURCES } from '../lambda/sources';
import { runCheck } from './commands/check';
import { runFunctionCheck } from './commands/check-function';
import { runCollect } from './commands/collect';
import { addDatadogCommands } from './commands/datadog';
import { runEstimate } from './commands/estimate';
import { SCENARIO_NAMES, SCENARIOS } from './demo/scenarios';
import { EXIT, UsageError, type ExitCode } from './errors';
import { DEFAULT_COST_EXPLORER_SCHEDULE_MINUTES, DEFAULT_SCHEDULE_MINUTES } from './estimate';
import { terminalSafe, type Io } from './io';
import { COLLECTOR_FLAG_SETTINGS, DATADOG_FLAG_SETTINGS, refusingKeyFlags, switchedOnBy, withSettingFlags } from './setting-flags';
import { CLI_ENV, settingAsFlag, type CollectorFlags, type DatadogFlags } from './settings';

export const PROGRAM_NAME = 'aws-billing-to-datadog';

/** The flags of the sources the second rule reads (`--cost-explorer or --cost-anomalies`), from their rows. */
const SECOND_RULE_FLAGS = SOURCES.filter((source) => source.trigger === 'cost_explorer')
  .map((source) => settingAsFlag(source.setting, 'true'))
  .join(' or ');

/** Options as commander parses them, before they are sorted into the commands' inputs. */
interface RawOptions {
  readonly json?: boolean;
  /** `check --function <name>`: the deployed function to ask. */
  readonly function?: string;
  readonly verbose?: boolean;
  readonly profile?: string;
  readonly dryRun?: boolean;
  readonly apiKeySecretArn?: string;
  readonly site?: string;
  readonly apiUrl?: string;
  readonly metricPrefix?: string;
  readonly budgets: boolean;
  readonly budgetThresholds: boolean;
  readonly estimatedCharges: boolean;
  readonly linkedAccountServices?: boolean;
  readonly healthMetrics: boolean;
  readonly serviceAllow?: string[];
  readonly serviceDeny?: string[];
  readonly accounts?: string;
  readonly managementRoleArn?: string;
  readonly memberRoleName?: string;
  readonly accountAllow?: string[];
  readonly accountDeny?: string[];
  readonly accountTagKeys?: string[];
  readonly accountConcurrency?: number;
  readonly costMetrics?: string[];
  readonly costGroupBy?: string[];
  readonly costMaxGroups?: number;
  readonly costExplorerMaxRequests?: number;
  readonly tags?: string[];
  readonly env?: string;
  readonly service?: string;
  readonly scheduleMinutes?: number;
  readonly costExplorerScheduleMinutes?: number;
  readonly lambda?: boolean;
}

/** Runs one command line (without the `node` and script arguments) and returns its exit code. */
export async function runCli(argv: readonly string[], given: Io, version: string): Promise<ExitCode> {
  // Everything the tool prints goes through the masking step (a Datadog key it has sent is never
  // printed back, whichever answer or error quotes it) and one escaping writer (no control
  // character from AWS or Datadog data reaches the terminal), whichever command writes it.
  const io = terminalSafe({ ...given, out: (text) => given.out(masked(text)), err: (text) => given.err(masked(text)) });
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(io, version, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

/**
 * The commander program. `exitOverride` makes commander throw instead of exiting, so that its
 * usage errors also end with exit code 2; help goes to stdout, errors to stderr.
 */
export function buildProgram(io: Io, version: string, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command(PROGRAM_NAME)
    .description('Preview, check and run a collection of AWS billing metrics into Datadog, with the code the Lambda runs.')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // Commander quotes the command or option it refused: a key pasted there is described instead.
      outputError: (text, write) => write(withSecretsDescribed(text)),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', GENERAL_HELP);

  withCollectorOptions(
    withDatadogOptions(
      withCommonOptions(
        program
          .command('collect')
          .description('Collect once for the account of your AWS credentials and send to Datadog; --dry-run only shows what would be sent.')
          .option('--dry-run', 'build the series and print them; call no Datadog endpoint and need no API key'),
      ),
    ),
  )
    .addHelpText('after', COLLECT_HELP)
    .action(async (_options: unknown, command: Command) => {
      const raw = command.opts<RawOptions>();
      setExitCode(
        await runCollect(
          {
            dryRun: raw.dryRun === true,
            json: raw.json === true,
            profile: raw.profile,
            collector: collectorFlags(raw),
            datadog: datadogFlags(raw),
          },
          io,
        ),
      );
    });

  withCollectorOptions(
    withDatadogOptions(
      withCommonOptions(
        program
          .command('check')
          .description('Check each prerequisite in turn and say how to fix what is wrong.')
          .option('--function <name>', "ask the deployed function (organization mode) to try every account's role and budgets"),
      ),
    ),
  )
    .addHelpText('after', CHECK_HELP)
    .action(async (_options: unknown, command: Command) => {
      const raw = command.opts<RawOptions>();
      if (raw.function !== undefined) {
        setExitCode(await runFunctionCheck({ functionName: raw.function, json: raw.json === true, profile: raw.profile }, io));
        return;
      }
      setExitCode(
        await runCheck({ json: raw.json === true, profile: raw.profile, collector: collectorFlags(raw), datadog: datadogFlags(raw) }, io),
      );
    });

  withCollectorOptions(
    withCommonOptions(
      program
        .command('estimate')
        .description('Count the Datadog custom metrics this account produces and the AWS cost per month, from a dry run.')
        .option('--schedule-minutes <minutes>', 'minutes between two runs, as deployed', parseScheduleMinutes, DEFAULT_SCHEDULE_MINUTES)
        .option(
          '--cost-explorer-schedule-minutes <minutes>',
          `with ${SECOND_RULE_FLAGS}, minutes between two of the second rule's runs, as deployed`,
          parseScheduleMinutes,
          DEFAULT_COST_EXPLORER_SCHEDULE_MINUTES,
        )
        .option('--lambda', "include the function's own cost (requests and arm64 compute)"),
    ),
  )
    .addHelpText('after', ESTIMATE_HELP)
    .action(async (_options: unknown, command: Command) => {
      const raw = command.opts<RawOptions>();
      setExitCode(
        await runEstimate(
          {
            json: raw.json === true,
            profile: raw.profile,
            collector: collectorFlags(raw),
            scheduleMinutes: raw.scheduleMinutes ?? DEFAULT_SCHEDULE_MINUTES,
            costExplorerScheduleMinutes: raw.costExplorerScheduleMinutes ?? DEFAULT_COST_EXPLORER_SCHEDULE_MINUTES,
            includeLambda: raw.lambda === true,
          },
          io,
        ),
      );
    });

  // The dashboard and monitors (tools/datadog).
  addDatadogCommands(program, io, setExitCode);

  program
    .command('demo')
    .description(
      'See it work with no AWS or Datadog account: the real bundle against a fake AWS with sample data and a local Datadog intake.',
    )
    .option('--scenario <name>', `what the fake account holds: ${SCENARIO_NAMES.join(', ')}`, 'sample')
    .option('--json', 'print one JSON document on stdout instead of text')
    .addHelpText('after', DEMO_HELP)
    .action(async (options: { scenario: string; json?: boolean }) => {
      // Loaded when run: the demo brings the fakes, which no other command needs.
      const { runDemoCommand } = await import('./commands/demo');
      setExitCode(await runDemoCommand({ scenario: options.scenario, json: options.json === true }, io));
    });

  return program;
}

function withCommonOptions(command: Command): Command {
  return refusingKeyFlags(command)
    .option('--json', 'print one JSON document on stdout instead of text')
    .option('--profile <name>', 'AWS profile of the shared config and credentials files (default: the SDK credential chain)')
    .option('--verbose', "also log the collector's information lines on stderr (by default, warnings and errors only)");
}

function withDatadogOptions(command: Command): Command {
  return withSettingFlags(command, DATADOG_FLAG_SETTINGS);
}

function withCollectorOptions(command: Command): Command {
  return withSettingFlags(command, COLLECTOR_FLAG_SETTINGS);
}

export function collectorFlags(raw: RawOptions): CollectorFlags {
  return {
    metricPrefix: raw.metricPrefix,
    budgets: raw.budgets,
    budgetThresholds: raw.budgetThresholds,
    estimatedCharges: raw.estimatedCharges,
    linkedAccountServices: raw.linkedAccountServices,
    healthMetrics: raw.healthMetrics,
    serviceAllow: raw.serviceAllow ?? [],
    serviceDeny: raw.serviceDeny ?? [],
    accounts: raw.accounts,
    managementRoleArn: raw.managementRoleArn,
    memberRoleName: raw.memberRoleName,
    accountAllow: raw.accountAllow ?? [],
    accountDeny: raw.accountDeny ?? [],
    accountTagKeys: raw.accountTagKeys ?? [],
    accountConcurrency: raw.accountConcurrency,
    switchedOn: switchedOnBy(raw),
    costMetrics: raw.costMetrics ?? [],
    costGroupBy: raw.costGroupBy ?? [],
    costMaxGroups: raw.costMaxGroups,
    costExplorerMaxRequests: raw.costExplorerMaxRequests,
    tags: raw.tags ?? [],
    env: raw.env,
    service: raw.service,
    verbose: raw.verbose === true,
  };
}

/** The flags only: `settings.ts` falls back on the environment variables, so a flag wins. */
function datadogFlags(raw: RawOptions): DatadogFlags {
  return { apiKeySecretArn: raw.apiKeySecretArn, site: raw.site, apiUrl: raw.apiUrl };
}

export function parseScheduleMinutes(value: string): number {
  const minutes = Number(value);
  if (!Number.isSafeInteger(minutes) || minutes < 1) {
    throw new InvalidArgumentError('Give a whole number of minutes, 1 or more (60 is the stack default).');
  }
  return minutes;
}

/**
 * Every error the same way: `error: <problem>`, then `  fix: <fix>` when the error has one (or,
 * for a usage error without one, a pointer to --help).
 */
function reportError(error: unknown, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    // Commander has written its message (or the help) already. Help and --version end in 0;
    // anything else, a missing command included, is a usage error.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (!(error instanceof ActionableError)) {
    io.err(`error: ${describeError(error)}\n`);
    return EXIT.failure;
  }
  // The collector's errors name settings as the function does; the tool names its flags.
  const { problem, fix } = error.namingSettings(settingAsFlag);
  io.err(`error: ${problem}\n`);
  if (fix !== undefined) io.err(`  fix: ${fix}\n`);
  else if (error instanceof UsageError) io.err('(add --help for usage)\n');
  return error instanceof UsageError ? EXIT.usage : EXIT.failure;
}

const GENERAL_HELP = `
Environment:
  AWS credentials        the standard chain: AWS_PROFILE or --profile, AWS_ACCESS_KEY_ID..., SSO, roles
  AWS_ENDPOINT_URL       send AWS calls elsewhere (an emulator such as moto)
  ${CLI_ENV.apiKey.padEnd(21)}  the Datadog API key, when no secret is given (there is no flag: keys stay out of shell history)
  ${CLI_ENV.apiKeySecretArn.padEnd(21)}  same as --api-key-secret-arn (it wins over ${CLI_ENV.apiKey})
  ${CLI_ENV.site.padEnd(21)}  same as --site
  ${CLI_ENV.apiUrl.padEnd(21)}  same as --api-url

Exit codes:
  0  all good
  1  something failed while running (a failed check, a source or a request that failed)
  2  usage or configuration error: nothing was attempted

Run "${PROGRAM_NAME} <command> --help" for a command's options.
`;

const COLLECT_HELP = `
Examples:
  $ ${PROGRAM_NAME} collect --dry-run
  $ ${PROGRAM_NAME} collect --dry-run --json --no-linked-account-services
  $ DD_API_KEY=... ${PROGRAM_NAME} collect --site datadoghq.eu
  $ ${PROGRAM_NAME} collect --api-key-secret-arn arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-api-key-AbCdEf

--json prints {"summary": {...}, "series": [...]}: the run summary the function logs, and every
series as it is (or would be) sent to POST /api/v2/series.

collect runs the hourly rule's sources. The second rule's (${SECOND_RULE_FLAGS}) are
read by estimate, in a dry run it prices, and probed by check; the tool never posts an anomaly's
event.
`;

const CHECK_HELP = `
Checks, in turn: AWS credentials (STS); ${SOURCES.map((source) => source.title).join('; ')};
the API key (the secret readable and well-formed, or ${CLI_ENV.apiKey} well-formed); the Datadog API
reachable; the key accepted by Datadog (GET /api/v1/validate). Each failure comes with its fix.

With --function <name> (organization mode), it checks none of those: it invokes the deployed
function, in the region of AWS_REGION or --profile, with the event {"check":true}. The function
tries every account's role and budgets, sends nothing, and answers one row per account, which is
printed: ok, or what failed and its fix. Exit code 1 when any account failed.
`;

const ESTIMATE_HELP = `
Runs a dry-run collection with the switches given, then counts the series per metric name and
prices the AWS calls of one run over a month (730 hours) at --schedule-minutes. With
${SECOND_RULE_FLAGS} it also runs the second rule's sources once, in a dry
run that posts no event and writes no state (each Cost Explorer request, each page included, is
billed $0.01), and prices their requests at --cost-explorer-schedule-minutes.
`;

const DEMO_HELP = `
Scenarios:
${SCENARIOS.map((scenario) => `  ${scenario.name.padEnd(18)}  ${scenario.help}`).join('\n')}

Everything runs on 127.0.0.1 and stops when the demo ends, or on Ctrl-C (exit 130).
See docs/demo.md.
`;
