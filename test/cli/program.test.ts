/**
 * The command line in-process: parsing, help, and exit code 2 for every usage or configuration
 * error. Every case here fails before any AWS or Datadog call, so no server is needed.
 */
import { describe, expect, it } from 'vitest';
import { runInProcess as run } from './in-process';

const API_KEY = '0123456789abcdef0123456789abcdef';

describe('help and version', () => {
  it('prints the commands, the environment and the exit codes on stdout, and exits 0', async () => {
    const { code, out, err } = await run(['--help']);
    expect(code).toBe(0);
    expect(err).toBe('');
    for (const text of ['collect', 'check', 'estimate', 'DD_API_KEY', 'AWS_ENDPOINT_URL', 'Exit codes:']) expect(out).toContain(text);
  });

  it.each([
    [
      'collect',
      [
        '--dry-run',
        '--json',
        '--profile',
        '--api-key-secret-arn',
        '--site',
        '--api-url',
        '--no-budgets',
        '--service-allow',
        '--tags',
        '--cost-explorer',
        '--cost-anomalies',
      ],
    ],
    [
      'check',
      ['--json', '--profile', '--api-key-secret-arn', '--site', '--api-url', '--no-estimated-charges', '--verbose', '--cost-anomalies'],
    ],
    [
      'estimate',
      [
        '--json',
        '--profile',
        '--schedule-minutes',
        '--lambda',
        '--no-linked-account-services',
        '--service-deny',
        '--metric-prefix',
        '--cost-explorer',
        '--cost-anomalies',
      ],
    ],
  ])('%s --help lists its options and exits 0', async (command, options) => {
    const { code, out } = await run([command, '--help']);
    expect(code).toBe(0);
    for (const option of options) expect(out).toContain(option);
  });

  it('estimate has no Datadog options: it reads AWS only', async () => {
    const { out } = await run(['estimate', '--help']);
    expect(out).not.toContain('--api-key-secret-arn');
  });

  it('prints the version and exits 0', async () => {
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out.trim()).toBe('9.9.9');
  });
});

describe('usage errors exit 2 with the message on stderr and nothing on stdout', () => {
  it.each([
    ['an unknown option', ['collect', '--bogus'], "unknown option '--bogus'"],
    ['an unknown command', ['colect'], "unknown command 'colect'"],
    ['an extra argument', ['check', 'extra'], 'too many arguments'],
    ['a missing option value', ['collect', '--dry-run', '--site'], "option '--site <site>' argument missing"],
    ['a schedule of 0 minutes', ['estimate', '--schedule-minutes', '0'], 'Give a whole number of minutes'],
    ['a schedule that is not a number', ['estimate', '--schedule-minutes', 'hourly'], 'Give a whole number of minutes'],
    ['a fractional schedule', ['estimate', '--schedule-minutes', '1.5'], 'Give a whole number of minutes'],
  ])('%s', async (_case, argv, message) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
  });

  it('no command at all shows the help on stderr', async () => {
    const { code, out, err } = await run([]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('Usage: aws-billing-to-datadog');
  });
});

describe('key flags are refused, never suggested or echoed', () => {
  const KEY = '0123456789abcdef0123456789abcdef';

  it.each([
    [['collect', '--dry-run', '--api-key', KEY], '--api-key', 'DD_API_KEY'],
    [['check', '--api-key', KEY], '--api-key', '--api-key-secret-arn'],
    [['datadog', 'apply', '--dry-run', '--app-key', `${KEY}01234567`], '--app-key', 'DD_APP_KEY'],
    [['datadog', 'generate', '--api-key', KEY], '--api-key', 'DD_API_KEY'],
  ])('%j exits 2, says where %s comes from instead, and does not echo it', async (argv, flag, source) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`there is no ${flag} flag`);
    expect(err).toContain(source);
    expect(err).not.toContain('Did you mean');
    expect(err).not.toContain(KEY);
  });
});

describe('configuration errors exit 2, checked by the collector’s own loadConfig and named by flag', () => {
  it.each([
    [
      'a site Datadog does not have',
      ['collect', '--dry-run', '--site', 'datadoghq.org'],
      {},
      '--site (DD_SITE) "datadoghq.org" is not a Datadog site',
    ],
    ['a site from DD_SITE', ['check'], { DD_SITE: 'example.com' }, '--site (DD_SITE) "example.com" is not a Datadog site'],
    [
      'plain http to a remote API',
      ['collect', '--dry-run', '--api-url', 'http://proxy.example:8080'],
      {},
      '--api-url (DD_API_URL) must use https',
    ],
    [
      'a metric prefix starting with a digit',
      ['estimate', '--metric-prefix', '9billing'],
      {},
      '--metric-prefix (METRIC_PREFIX) "9billing" must start with a letter',
    ],
    ['both sources off', ['collect', '--dry-run', '--no-budgets', '--no-estimated-charges'], {}, 'nothing to collect'],
    [
      'a malformed secret ARN',
      ['check', '--api-key-secret-arn', 'datadog-api-key'],
      {},
      '--api-key-secret-arn (DD_API_KEY_SECRET_ARN) must be a Secrets Manager secret ARN',
    ],
  ])('%s', async (_case, argv, env, message) => {
    const { code, out, err } = await run(argv, env);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
  });

  it('names every bad flag in one error', async () => {
    const { code, err } = await run(['collect', '--dry-run', '--site', 'nope', '--metric-prefix', '_x']);
    expect(code).toBe(2);
    expect(err).toContain('--site (DD_SITE)');
    expect(err).toContain('--metric-prefix (METRIC_PREFIX)');
  });

  it('collect without --dry-run needs a key, and says how to give one', async () => {
    const { code, out, err } = await run(['collect']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--api-key-secret-arn');
    expect(err).toContain('DD_API_KEY');
    expect(err).toContain('--dry-run');
  });

  it.each([
    ['too short', API_KEY.slice(1)],
    ['not hexadecimal', `${API_KEY.slice(0, 31)}z`],
    ['an application key (40 characters)', `${API_KEY}abcdef01`],
  ])('collect refuses a DD_API_KEY that is %s, without printing it', async (_case, key) => {
    const { code, out, err } = await run(['collect'], { DD_API_KEY: key });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('DD_API_KEY does not hold a Datadog API key');
    expect(err).not.toContain(key);
  });
});

describe('datadog: the dashboard and monitors through the same tool', () => {
  it('lists `datadog apply` options, --dry-run and DD_APP_KEY among them, and exits 0', async () => {
    const { code, out } = await run(['datadog', 'apply', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('--dry-run');
    expect(out).toContain('DD_APP_KEY');
  });

  it('exits 2 naming both keys when apply has none, before any request', async () => {
    const { code, err } = await run(['datadog', 'apply', '--dry-run'], { DD_API_URL: 'http://127.0.0.1:9' });
    expect(code).toBe(2);
    expect(err).toContain('DD_API_KEY');
    expect(err).toContain('DD_APP_KEY');
  });

  it('exits 2 on a subcommand it does not have', async () => {
    const { code, err } = await run(['datadog', 'delete']);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'delete'");
  });
});
