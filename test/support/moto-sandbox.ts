/**
 * `npm run -s sandbox:moto -- <moto endpoint>`: the demo's sample account in a moto server, and a
 * local Datadog intake, so that the command-line tool can be tried end to end with no AWS or
 * Datadog account (docs/cli.md). It seeds moto, starts the intake on 127.0.0.1, prints the
 * commands to run in another terminal, and reports what the intake accepts until Ctrl-C.
 *
 * moto is the independent check here: the same sample data the demo reads from the project's
 * own fake AWS, served by another implementation of the AWS APIs. The operations moto lacks
 * (`moto-gaps.ts`) are answered by the fake AWS, through a proxy whose address the commands use.
 */
import { PAYER_ACCOUNT_ID, sampleBudgets } from '../../cli/demo/sample-account';
import { DEMO_API_KEY } from '../../cli/demo/scenarios';
import { startIntake } from '../../fakes/datadog/intake';
import { startMotoGaps } from './moto-gaps';
import { seedSampleAccount } from './sample-account-seed';

async function main(endpoint: string | undefined): Promise<void> {
  if (endpoint === undefined) {
    process.stderr.write(
      'error: give the moto endpoint, such as http://127.0.0.1:5000\n' +
        "  fix: start moto first (pip install 'moto[server]'; python3 -m moto.server -H 127.0.0.1 -p 5000), " +
        'then: npm run -s sandbox:moto -- http://127.0.0.1:5000\n',
    );
    process.exitCode = 2;
    return;
  }
  const now = new Date();
  const secretArn = await seedSampleAccount(endpoint, now);
  const filled = await startMotoGaps(endpoint, { budgets: sampleBudgets(now) });

  const intake = await startIntake({ apiKey: DEMO_API_KEY });
  process.stdout.write(
    `moto at ${endpoint} holds the demo's sample account ${PAYER_ACCOUNT_ID}, and a Datadog intake listens at ${intake.url}.\n` +
      `${filled.endpoint} is moto, with the fake AWS answering the operations moto lacks (the budgets' alert thresholds).\n` +
      'In another terminal:\n\n' +
      `  export AWS_ENDPOINT_URL=${filled.endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1\n` +
      `  npm run -s cli -- check --api-key-secret-arn ${secretArn} --api-url ${intake.url}\n` +
      `  npm run -s cli -- collect --api-key-secret-arn ${secretArn} --api-url ${intake.url}\n\n` +
      'ready; Ctrl-C stops the intake.\n',
  );
  let reported = 0;
  const timer = setInterval(() => {
    const accepted = intake.requests.filter((request) => request.status === 202);
    if (accepted.length === reported) return;
    reported = accepted.length;
    process.stdout.write(`the intake accepted ${reported} request(s), ${intake.series().length} series in all\n`);
  }, 500);
  const stop = (): void => {
    clearInterval(timer);
    void Promise.all([intake.close(), filled.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`error: seeding moto failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
