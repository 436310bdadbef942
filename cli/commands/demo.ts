/**
 * `demo [--scenario <name>] [--json]`: the collector's real bundle against the project's fake
 * AWS and a local Datadog intake, with sample data, on 127.0.0.1 only: no AWS account, no
 * Datadog account. It prints what Datadog received, the run summary and what the shipped
 * monitors would say, and leaves nothing running, also on Ctrl-C (which exits 130).
 */
import { shownValue } from '../../lambda/secret-shape';
import { EXIT, UsageError, type ExitCode } from '../errors';
import type { Io } from '../io';
import { demoJson, demoText, runFailed } from '../demo/report';
import { Cleanup, runDemo } from '../demo/run-demo';
import { SCENARIO_NAMES, SCENARIOS } from '../demo/scenarios';

export interface DemoOptions {
  readonly scenario: string;
  readonly json: boolean;
}

/** The exit code of a shell for a process ended by SIGINT. */
const INTERRUPTED = 130;

export async function runDemoCommand(options: DemoOptions, io: Io): Promise<ExitCode> {
  const scenario = SCENARIOS.find((candidate) => candidate.name === options.scenario);
  if (scenario === undefined) {
    throw new UsageError([`--scenario ${shownValue(options.scenario)} is not a demo scenario`], {
      fix: `Give one of: ${SCENARIO_NAMES.join(', ')}.`,
    });
  }
  const cleanup = new Cleanup();
  const interrupted = (): void => {
    void cleanup.run().finally(() => process.exit(INTERRUPTED));
  };
  process.once('SIGINT', interrupted);
  try {
    const result = await runDemo(scenario, cleanup);
    await cleanup.run();
    // The function's run failing is the demo's failure too, as Lambda would count it.
    const exitCode = runFailed(result) ? EXIT.failure : EXIT.ok;
    // From the process's start, so that loading the tool counts too: what the user waits for.
    const elapsedMs = Math.round(process.uptime() * 1000);
    io.out(options.json ? demoJson(result, scenario, elapsedMs, exitCode) : demoText(result, scenario, elapsedMs, exitCode));
    return exitCode;
  } finally {
    await cleanup.run();
    process.off('SIGINT', interrupted);
  }
}
