/**
 * `npm run bench` (`tsx bench/run.ts`): the six figures of issue 7, each against a floor or a
 * bound measured or computed in the same run (the run time also against the SDK-only run floor,
 * bench/floor/run.ts), and the implied Lambda time (cli/lambda-time.ts), printed as tables and
 * written to bench/report.json. A benchmark, not a test: it exits 0 whatever the figures, and non-zero
 * only when it cannot produce them (a build, a child process or the collector's run broke).
 *
 *   npm run bench                 full: 2,000 budgets, 3,000 series, 31 cold starts each, 5 timed runs; one Cost Explorer
 *                                 run (bench/cost-explorer.ts); then the organization scenario (bench/organization.ts):
 *                                 1,000 and 10,000 accounts
 *   npm run bench -- --quick      CI: 1,001 budgets and series, 3 cold starts each, 1 timed run, one Cost Explorer run;
 *                                 no organization scenario
 *
 * Options: --latency-ms N, --budgets N, --series N, --cold-runs N, --reps N, --synth (quick mode:
 * synthesize instead of reusing a fresh cdk.out/), --no-synth, --cdk-app "<command>",
 * --entry <file.ts> (measure another handler entry, bundled like NodejsFunction; implies
 * --no-synth: for trying a change to lambda/), --out <path>, --keep (keep the temporary
 * directory), --markdown (also print the table as Markdown), --cpu-prof (also profile one cold and
 * one warm invocation with V8's sampling profiler: bench/profiles/*.cpuprofile, and the top
 * self-time functions printed, grouped as ours, SDK and Node; see bench/profile.ts),
 * --organization-only (the organization scenario alone, after the bundle), --accounts N,N (its sizes),
 * --node <path> (run the collector's children with that `node`: Lambda runs Node.js 24, and the
 * figures depend on the runtime; docs/performance.md says how to get one from the npm registry).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { dirname, join, relative, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MAIN_FIRST_VARIANT, reuseCloudAssembly, synthesize, type SynthOutcome } from './bundle';
import { CONSTRUCT_VARIANT, esbuildLikeCdk, run, sizes, targetOf, type BuiltBundle } from '../tools/bundle';
import { measureColdStarts, type ColdStartSubject } from './cold-start';
import { floorEntry, sdkClientsOf, type Metafile, type SdkClientUse } from './floor/clients';
import { FAKE_ACCOUNT_ID } from '../fakes/aws/service';
import { startFakeAws } from '../fakes/aws/server';
import { METRICS_REQUESTED } from '../fakes/aws/cloudwatch';
import { startIntake } from '../fakes/datadog/intake';
import { DEPLOYMENT_DEFAULTS, FUNCTION_RUNTIME, ORGANIZATION_DEPLOYMENT } from '../lambda/deployment';
import { HOURS_PER_MONTH, runsPerMonth } from '../cli/cost-model';
import { monthlyCost, scheduleMinutes } from './cost';
import { costExplorerNotes, measureCostExplorer } from './cost-explorer';
import { expectedBudgetSeries, makeBillingSeries, makeBudgets } from './dataset';
import { gitState, lambdaNodeFlags, load1, machine, type ChildScript } from './machine';
import { BOUND_FORMULA, criticalPathBound, minimumCalls, minimumDatadogRequests, type CallCounts } from './minimum';
import {
  formatTable,
  impliedTable,
  markdownTable,
  tableRows,
  type CallsFigure,
  type ImpliedLambdaFigure,
  type RunFloorFigure,
  type RunFloorSide,
  type Report,
  type RssFigure,
  type RunTimeFigure,
} from './report';
import { cpuShare, IMPLIED_TIME_FORMULA, IMPLIED_TIME_MEMORY_SIZES_MB, impliedLambdaMs, type RunOnOneCore } from '../cli/lambda-time';
import { countedCalls, runScale, type Invocation, type ScaleRun, type ScenarioOptions } from './scale';
import {
  measureOrganization,
  ORGANIZATION_SIZES,
  organizationImpliedRows,
  organizationNotes,
  organizationRows,
  type OrganizationFigure,
} from './organization';
import { chooseMemory, MEMORY_RULE, memoryRows, memoryVerdict } from './memory-choice';
import { bundleLocator, formatProfile, summarizeProfile, type CpuProfile, type ProfileSummary } from './profile';
import type { Segments } from './timeline';
import { median, ratio, round, spread } from './stats';

const ROOT = resolve(__dirname, '..');
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:dd-key-AbCdEf`;
const API_KEY = '0123456789abcdef0123456789abcdef';
const GOALS = { bundle: 1.15, coldStart: 1.15, runTime: 1.3, sdkFloor: 1.15, rssMib: 100 } as const;
/** The memory size of issue 7's memory goal: "fits a 128 MB Lambda with room to spare". */
const GOAL_MEMORY_MB = 128;
const SCALE_TIMEOUT_MS = 180_000;
/** Where `--cpu-prof` writes the profiled bundle, its source map and the profiles (git-ignored). */
const PROFILE_DIR = join(ROOT, 'bench', 'profiles');

interface Settings {
  readonly mode: 'full' | 'quick';
  readonly budgets: number;
  readonly series: number;
  readonly latencyMs: number;
  readonly coldRuns: number;
  readonly reps: number;
  readonly synth: 'always' | 'reuse' | 'never';
  readonly cdkApp?: string;
  /** The handler entry to bundle, relative to the repository or absolute. */
  readonly entry: string;
  readonly out: string;
  readonly keep: boolean;
  readonly markdown: boolean;
  readonly variantColdStarts: boolean;
  /** The organization scenario: after the others (full mode), alone, or not at all (quick mode). */
  readonly organization: 'yes' | 'only' | 'no';
  /** Its sizes, in accounts. */
  readonly accounts: readonly number[];
  readonly cpuProf: boolean;
  /** The `node` that runs the collector's children (`--node`): this process's by default. */
  readonly node: string;
}

function settingsFrom(argv: readonly string[]): Settings {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      'latency-ms': { type: 'string' },
      budgets: { type: 'string' },
      series: { type: 'string' },
      'cold-runs': { type: 'string' },
      reps: { type: 'string' },
      synth: { type: 'boolean', default: false },
      'no-synth': { type: 'boolean', default: false },
      'cdk-app': { type: 'string' },
      entry: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      'organization-only': { type: 'boolean', default: false },
      accounts: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      node: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const whole = (name: string, text: string | undefined, fallback: number, min: number, max: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
  return {
    mode: quick ? 'quick' : 'full',
    budgets: whole('budgets', values.budgets, quick ? 1001 : 2000, 0, 20_000),
    series: whole('series', values.series, quick ? 1001 : 3000, 1, 20_000),
    latencyMs: whole('latency-ms', values['latency-ms'], 50, 0, 2000),
    coldRuns: whole('cold-runs', values['cold-runs'], quick ? 3 : 31, 1, 200),
    reps: whole('reps', values.reps, quick ? 1 : 5, 1, 50),
    synth: values['no-synth'] === true || values.entry !== undefined ? 'never' : values.synth === true || !quick ? 'always' : 'reuse',
    cdkApp: values['cdk-app'],
    entry: resolve(ROOT, values.entry ?? 'lambda/handler.ts'),
    out: resolve(values.out ?? join(ROOT, 'bench', 'report.json')),
    keep: values.keep === true,
    markdown: values.markdown === true,
    variantColdStarts: !quick,
    organization: values['organization-only'] === true ? 'only' : quick ? 'no' : 'yes',
    accounts: (values.accounts ?? ORGANIZATION_SIZES.join(',')).split(',').map((text: string) => whole('accounts', text, 0, 21, 100_000)),
    cpuProf: values['cpu-prof'] === true,
    node: values.node === undefined ? process.execPath : resolve(values.node),
  };
}

const progress = (message: string): void => {
  process.stderr.write(`bench: ${message}\n`);
};

/** The children run under plain `node`, so they are compiled from TypeScript first. */
async function buildChildren(tmp: string, node: string): Promise<{ coldStart: ChildScript; scale: ChildScript }> {
  const out = join(tmp, 'children');
  const esbuild = join(ROOT, 'node_modules', '.bin', 'esbuild');
  const entries = ['cold-start-child', 'scale-child'].map((name) => join(ROOT, 'bench', 'children', `${name}.ts`));
  const result = await run(
    esbuild,
    [...entries, '--bundle', '--platform=node', '--target=node20', '--format=cjs', `--outdir=${out}`, '--log-level=error'],
    {
      cwd: ROOT,
      timeoutMs: 60_000,
    },
  );
  if (result.code !== 0) throw new Error(`could not build the child scripts: ${result.output.slice(0, 2000)}`);
  return { coldStart: { path: join(out, 'cold-start-child.js'), node }, scale: { path: join(out, 'scale-child.js'), node } };
}

/** A clean environment: fake endpoints, dummy credentials, no host AWS configuration, no NODE_OPTIONS. */
function childEnvironment(tmp: string, awsOrigin: string, datadogOrigin: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmp,
    TZ: 'UTC',
    AWS_ENDPOINT_URL: awsOrigin,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    AWS_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: join(tmp, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DD_API_KEY_SECRET_ARN: SECRET_ARN,
    DD_API_URL: datadogOrigin,
  };
}

const CALL_NAMES: readonly (keyof CallCounts)[] = [
  'DescribeBudgets',
  'DescribeBudgetNotificationsForAccount',
  'ListMetrics',
  'GetMetricData',
  'GetSecretValue',
  'Datadog',
];

function callsFigure(invocation: Invocation, settings: Settings, cold: boolean): CallsFigure {
  const measured: CallCounts = countedCalls(invocation, CALL_NAMES);
  const minimum = minimumCalls(settings.budgets, settings.series, cold, minimumDatadogRequests(invocation.datadog.series).requests);
  const over = CALL_NAMES.filter((key) => measured[key] !== minimum[key]).map((key) => `${key} ${measured[key]} (minimum ${minimum[key]})`);
  for (const [name, count] of Object.entries(invocation.aws.operations)) {
    if (!(CALL_NAMES as readonly string[]).includes(name)) over.push(`${name} ${count} (minimum 0)`);
  }
  return { measured, minimum, met: over.length === 0, over };
}

function runTimeFigure(invocations: readonly Invocation[], latencyMs: number, minimum: CallCounts): RunTimeFigure {
  const bound = criticalPathBound(latencyMs, minimum);
  const durationMs = spread(invocations.map((invocation) => invocation.durationMs));
  const measuredRatio = ratio(durationMs.median, bound.ms);
  const withSegments = invocations.flatMap((invocation) => (invocation.segments === undefined ? [] : [invocation.segments]));
  const segmentsMs =
    withSegments.length === 0
      ? undefined
      : Object.fromEntries(
          Object.keys(withSegments[0]).map((key) => [key, spread(withSegments.map((entry) => entry[key as keyof Segments])).median]),
        );
  return {
    ...(segmentsMs === undefined ? {} : { segmentsMs }),
    durationMs,
    cpuMs: spread(invocations.map((invocation) => invocation.cpuMs)),
    boundMs: bound.ms,
    formula: bound.formula,
    ratio: measuredRatio,
    goal: GOALS.runTime,
    met: measuredRatio <= GOALS.runTime,
  };
}

function rssFigure(label: string, runs: readonly ScaleRun[]): RssFigure {
  const maxRss = Math.max(...runs.map((scaleRun) => scaleRun.maxRssBytes));
  const vmHwm = Math.max(...runs.map((scaleRun) => scaleRun.vmHwmBytes ?? 0));
  const mib = round(maxRss / 2 ** 20);
  return {
    label,
    nodeFlags: runs[0].nodeFlags,
    mib,
    ...(vmHwm > 0 ? { vmHwmMib: round(vmHwm / 2 ** 20) } : {}),
    goalMib: GOALS.rssMib,
    met: mib <= GOALS.rssMib,
  };
}

/** The implied Lambda time of the cold and the warm run at each memory size of the table (cli/lambda-time.ts). */
function impliedLambdaFigure(initMs: number, coldRunTime: RunTimeFigure, warmRunTime: RunTimeFigure): ImpliedLambdaFigure {
  const rows = (run: RunOnOneCore): ImpliedLambdaFigure['cold']['byMemory'] =>
    IMPLIED_TIME_MEMORY_SIZES_MB.map((memoryMb) => ({
      memoryMb,
      share: round(cpuShare(memoryMb), 3),
      ms: round(impliedLambdaMs(run, memoryMb)),
    }));
  const coldRun = { initMs, cpuMs: coldRunTime.cpuMs.median, boundMs: coldRunTime.boundMs };
  const warmRun = { initMs: 0, cpuMs: warmRunTime.cpuMs.median, boundMs: warmRunTime.boundMs };
  return {
    formula: IMPLIED_TIME_FORMULA,
    caveats:
      'INIT and CPU measured on this x86 machine, one full core; Lambda runs the function on arm64 (Graviton), whose per-core speed ' +
      "differs. INIT is the cold start's process wall, not scaled by the share. Lambda bills INIT since August 2025.",
    cold: { run: coldRun, byMemory: rows(coldRun) },
    warm: { run: warmRun, byMemory: rows(warmRun) },
  };
}

/** The collector against the run floor (bench/floor/run.ts): wall and CPU time, cold and warm, medians over the timed runs. */
function runFloorFigure(
  runs: readonly ScaleRun[],
  floorRuns: readonly ScaleRun[],
  bodyBytes: number,
  collectorBytes: number,
): RunFloorFigure {
  const side = (index: number): RunFloorSide => {
    const ours = runs.map((scaleRun) => scaleRun.invocations[index]);
    const floor = floorRuns.map((scaleRun) => scaleRun.invocations[index]);
    const wallMs = spread(ours.map((invocation) => invocation.durationMs));
    const floorWallMs = spread(floor.map((invocation) => invocation.durationMs));
    const cpuMs = spread(ours.map((invocation) => invocation.cpuMs));
    const floorCpuMs = spread(floor.map((invocation) => invocation.cpuMs));
    const wallRatio = ratio(wallMs.median, floorWallMs.median);
    const cpuRatio = ratio(cpuMs.median, floorCpuMs.median);
    return { wallMs, floorWallMs, wallRatio, cpuMs, floorCpuMs, cpuRatio, met: wallRatio <= GOALS.sdkFloor && cpuRatio <= GOALS.sdkFloor };
  };
  return {
    goal: GOALS.sdkFloor,
    body: { floorGzippedBytes: bodyBytes, collectorGzippedBytes: collectorBytes },
    cold: side(0),
    warm: side(1),
  };
}

type Check = { name: string; ok: boolean; detail: string };

/** What `--cpu-prof` wrote and found, per invocation. */
type ProfileFigure = Record<'cold' | 'warm', { readonly file: string; readonly summary: ProfileSummary }>;

/**
 * `--cpu-prof`: the bundle built again with its source map, into bench/profiles/ (esbuild writes
 * the same code, and a `sourceMappingURL` comment: checked), then a cold and a warm invocation of
 * it under V8's sampling profiler, with the latency and heap flags of the timed runs. Not a timed
 * figure: sampling slows the run a little.
 */
async function profileRun(
  settings: Settings,
  target: string,
  ours: BuiltBundle,
  child: ChildScript,
  env: NodeJS.ProcessEnv,
  servers: Parameters<typeof runScale>[3],
  nodeFlags: readonly string[],
): Promise<{ figure: ProfileFigure; check: Check }> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const variant = { ...CONSTRUCT_VARIANT, extraArgs: [...CONSTRUCT_VARIANT.extraArgs, '--sourcemap'] };
  const bundle = await esbuildLikeCdk(ROOT, settings.entry, join(PROFILE_DIR, 'index.js'), target, variant);
  const code = readFileSync(bundle.path, 'utf8').replace(/\/\/# sourceMappingURL=index\.js\.map\n?$/, '');
  const same = code === readFileSync(ours.path, 'utf8');
  const files = { cold: join(PROFILE_DIR, 'collector-cold.cpuprofile'), warm: join(PROFILE_DIR, 'collector-warm.cpuprofile') };
  const profiled = await runScale(child, bundle.path, env, servers, ['cold', 'warm'], SCALE_TIMEOUT_MS, nodeFlags, files);
  const failed = profiled.invocations.find((invocation) => !invocation.ok);
  if (failed !== undefined) throw new Error(`the profiled run failed: ${failed.label}: ${failed.error}`);
  const locate = bundleLocator(bundle.path, ROOT);
  const summary = (file: string): ProfileSummary => summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, locate);
  return {
    figure: {
      cold: { file: relative(ROOT, files.cold), summary: summary(files.cold) },
      warm: { file: relative(ROOT, files.warm), summary: summary(files.warm) },
    },
    check: {
      name: 'the profiled bundle is the measured bundle and its source map (--cpu-prof)',
      ok: same,
      detail: same ? `${bundle.minifiedBytes} B with the sourceMappingURL comment` : 'esbuild wrote other code with --sourcemap',
    },
  };
}

/** What must hold for the figures of one invocation to mean anything; reported, not fatal. */
function invocationChecks(label: string, invocation: Invocation, settings: Settings, expectedBudgetPoints: number): Check[] {
  const { aws, datadog } = invocation;
  const errorCount = Object.values(aws.errors).reduce((sum, n) => sum + n, 0);
  const refused = Object.values(datadog.refused).reduce((sum, n) => sum + n, 0);
  const otherRegions = Object.keys(aws.signing).filter((scope) => !scope.endsWith('@us-east-1'));
  const charges = datadog.seriesPerMetric['aws.billing.estimated_charges'] ?? 0;
  const budgetPoints = ['actual_spend', 'forecasted_spend', 'budget_limit'].reduce(
    (sum, name) => sum + (datadog.seriesPerMetric[`aws.billing.${name}`] ?? 0),
    0,
  );
  return [
    { name: `${label}: no AWS error answers`, ok: errorCount === 0, detail: JSON.stringify(aws.errors) },
    {
      name: `${label}: Datadog accepted every request and every series`,
      ok: refused === 0,
      detail: JSON.stringify({ refused: datadog.refused, refusals: datadog.refusals.slice(0, 3) }),
    },
    { name: `${label}: every AWS call signed for us-east-1`, ok: otherRegions.length === 0, detail: JSON.stringify(aws.signing) },
    {
      name: `${label}: one estimated_charges series per CloudWatch series`,
      ok: charges === settings.series,
      detail: `${charges} of ${settings.series}`,
    },
    {
      name: `${label}: every COST budget point sent`,
      ok: budgetPoints === expectedBudgetPoints,
      detail: `${budgetPoints} of ${expectedBudgetPoints}`,
    },
    { name: `${label}: no point Datadog would drop for its age`, ok: datadog.droppedPoints === 0, detail: String(datadog.droppedPoints) },
  ];
}

async function measureBundles(
  tmp: string,
  settings: Settings,
): Promise<{
  synth: SynthOutcome;
  headline: { source: 'cdk-asset' | 'esbuild'; path: string; minifiedBytes: number; gzippedBytes: number };
  ours: BuiltBundle;
  floor: BuiltBundle;
  oursMainFirst: BuiltBundle;
  floorMainFirst: BuiltBundle;
  floorRun: BuiltBundle;
  sdk: readonly SdkClientUse[];
}> {
  let synth: SynthOutcome = {
    status: 'skipped',
    ms: 0,
    reason: settings.entry === resolve(ROOT, 'lambda/handler.ts') ? '--no-synth' : `--entry ${settings.entry}`,
  };
  if (settings.synth === 'always') {
    progress('cdk synth (to take the Lambda asset CDK builds)');
    synth = await synthesize(ROOT, join(tmp, 'cdk.out'), settings.cdkApp, settings.mode === 'quick' ? 120_000 : 300_000);
  } else if (settings.synth === 'reuse') {
    synth = reuseCloudAssembly(ROOT);
  }
  if (synth.status === 'ok')
    progress(`Lambda asset: ${relative(ROOT, synth.fn.bundleFile)}${synth.reused ? ' (reused cdk.out/)' : ` (synth ${synth.ms} ms)`}`);
  else progress(`no CDK asset (${synth.status}: ${synth.reason}); bundling lambda/handler.ts with esbuild as NodejsFunction does`);
  const target = targetOf(synth.status === 'ok' ? synth.fn.runtime : undefined);
  progress(`esbuild bundles, target ${target}`);
  const build = (entry: string, name: string, variant = CONSTRUCT_VARIANT): Promise<BuiltBundle> => {
    mkdirSync(join(tmp, name), { recursive: true });
    return esbuildLikeCdk(ROOT, resolve(ROOT, entry), join(tmp, name, 'index.js'), target, variant);
  };
  const ours = await build(settings.entry, 'bundle');
  // The floor carries the SDK clients and commands the collector's bundle does (bench/floor/clients.ts).
  const sdk = sdkClientsOf(JSON.parse(readFileSync(ours.metafile ?? '', 'utf8')) as Metafile);
  const floorFile = join(tmp, 'floor-entry', 'clients.ts');
  mkdirSync(dirname(floorFile), { recursive: true });
  writeFileSync(floorFile, floorEntry(sdk, join(ROOT, 'node_modules')));
  const floor = await build(floorFile, 'floor');
  const oursMainFirst = await build(settings.entry, 'bundle-main-first', MAIN_FIRST_VARIANT);
  const floorMainFirst = await build(floorFile, 'floor-main-first', MAIN_FIRST_VARIANT);
  const floorRun = await build(join(ROOT, 'bench', 'floor', 'run.ts'), 'floor-run');
  const headline =
    synth.status === 'ok'
      ? { source: 'cdk-asset' as const, path: synth.fn.bundleFile, ...sizes(synth.fn.bundleFile) }
      : { source: 'esbuild' as const, path: ours.path, minifiedBytes: ours.minifiedBytes, gzippedBytes: ours.gzippedBytes };
  return { synth, headline, ours, floor, oursMainFirst, floorMainFirst, floorRun, sdk };
}

async function main(): Promise<number> {
  const settings = settingsFrom(process.argv.slice(2));
  const watchdog = setTimeout(
    () => {
      progress('watchdog: the benchmark ran too long; stopping');
      process.exit(2);
    },
    settings.mode === 'quick' ? 5 * 60_000 : 40 * 60_000,
  );
  watchdog.unref();
  const tmp = mkdtempSync(join(tmpdir(), 'billing-bench-'));
  const closers: (() => Promise<void>)[] = [];
  const checks: Check[] = [];
  try {
    const host = machine(settings.node);
    const load1AtStart = load1();
    progress(
      `${settings.mode} mode: ${settings.budgets} budgets, ${settings.series} series, ${settings.latencyMs} ms latency; ${host.nproc} × ${host.cpuModel}, node ${host.node}, load ${load1AtStart}`,
    );
    const children = await buildChildren(tmp, settings.node);

    // 1. Bundle
    const bundles = await measureBundles(tmp, settings);
    const { synth, headline, ours, floor, oursMainFirst, floorMainFirst, floorRun, sdk } = bundles;
    const fn = synth.status === 'ok' ? synth.fn : undefined;
    const memoryMb = fn?.memorySize ?? DEPLOYMENT_DEFAULTS.memorySizeMb;
    const deployedFlags = lambdaNodeFlags(memoryMb);
    const bundleRatio = {
      minified: ratio(headline.minifiedBytes, floor.minifiedBytes),
      gzipped: ratio(headline.gzippedBytes, floor.gzippedBytes),
    };
    if (headline.source === 'cdk-asset') {
      // If the asset differs from what these options build, the floor is not "bundled the same way".
      const same = readFileSync(headline.path).equals(readFileSync(ours.path));
      checks.push({
        name: "esbuild with the construct's bundling options reproduces the CDK asset byte for byte (so the floor is bundled the same way)",
        ok: same,
        detail: same
          ? `${ours.minifiedBytes} B`
          : `asset ${headline.minifiedBytes} B, esbuild ${ours.minifiedBytes} B: the construct sets other bundling options`,
      });
    }

    // The fake endpoints; no latency until the timed runs.
    const now = new Date();
    const budgets = makeBudgets(settings.budgets, now);
    const series = makeBillingSeries(settings.series);
    const expectedBudgetPoints = expectedBudgetSeries(budgets, now);
    const aws = await startFakeAws({ budgets, billingSeries: series, secrets: { [SECRET_ARN]: API_KEY } });
    closers.push(() => aws.close());
    const datadog = await startIntake({ apiKey: API_KEY, checkBodiesAfterAnswer: true });
    closers.push(() => datadog.close());
    const servers = { aws, datadog };
    const env = childEnvironment(tmp, aws.endpoint, datadog.url);
    // The scenarios with fakes of their own: organization mode and the Cost Explorer run.
    const scenario: ScenarioOptions = {
      scaleChild: children.scale,
      bundlePath: headline.path,
      env: (awsOrigin, datadogOrigin) => childEnvironment(tmp, awsOrigin, datadogOrigin),
      secretArn: SECRET_ARN,
      apiKey: API_KEY,
      latencyMs: settings.latencyMs,
      progress,
    };
    const organization = (initMs: number) => measureOrganization({ ...scenario, initMs, sizes: settings.accounts });
    if (settings.organization === 'only') {
      // INIT for the implied Lambda time: the bundle's cold start alone.
      const coldOnly = await measureColdStarts(
        children.coldStart,
        [{ label: 'bundle', bundlePath: headline.path, kind: 'handler' }],
        settings.coldRuns,
        env,
        lambdaNodeFlags(ORGANIZATION_DEPLOYMENT.memorySizeMb),
        progress,
      );
      const figure = await organization(coldOnly.bundle.wallMs.median);
      writeFileSync(
        settings.out,
        `${JSON.stringify({ schema: 1, mode: 'organization-only', generatedAt: new Date().toISOString(), organization: figure }, null, 2)}\n`,
      );
      console.log(organizationText(figure, settings.markdown));
      return 0;
    }

    // 2. Cold start
    const subjects: ColdStartSubject[] = [
      { label: 'bundle', bundlePath: headline.path, kind: 'handler' },
      { label: 'floor', bundlePath: floor.path, kind: 'floor' },
    ];
    if (settings.variantColdStarts) {
      subjects.push(
        { label: 'bundle-main-first', bundlePath: oursMainFirst.path, kind: 'handler' },
        { label: 'floor-main-first', bundlePath: floorMainFirst.path, kind: 'floor' },
      );
    }
    progress(`cold starts: ${settings.coldRuns} each of ${subjects.map((subject) => subject.label).join(', ')}, taking turns`);
    const cold = await measureColdStarts(children.coldStart, subjects, settings.coldRuns, env, deployedFlags, progress);
    const leaked = { aws: aws.take(), datadog: datadog.take() };
    const leakedCalls = Object.values(leaked.aws.operations).reduce((sum, n) => sum + n, 0) + leaked.datadog.requests;
    if (leakedCalls > 0)
      throw new Error(
        `the cold-start setup path made network calls: ${JSON.stringify(leaked.aws.operations)}, Datadog ${leaked.datadog.requests}`,
      );

    // Without latency first: the compute part, and it warms the fakes up before the timed runs.
    progress('run without latency (the compute part), host V8 defaults');
    const zero = await runScale(children.scale, headline.path, env, servers, ['cold', 'warm'], SCALE_TIMEOUT_MS);

    // The run floor's one Datadog body: the series the collector sent, gzipped once, ahead of the runs.
    const floorBody = gzipSync(JSON.stringify({ series: zero.invocations[0].datadog.series }));
    const floorBodyFile = join(tmp, 'floor-body.json.gz');
    writeFileSync(floorBodyFile, floorBody);
    const floorEnv = { ...env, BENCH_FLOOR_BODY: floorBodyFile };

    // 3, 4, 5. Timed runs: a cold then a warm invocation in one process each; the run floor's after each.
    aws.server.latencyMs = settings.latencyMs;
    datadog.server.latencyMs = settings.latencyMs;
    aws.server.resetOverrun();
    datadog.server.resetOverrun();
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const runs: ScaleRun[] = [];
    const floorRuns: ScaleRun[] = [];
    const encodingFloorRuns: ScaleRun[] = [];
    for (let rep = 0; rep < settings.reps; rep += 1) {
      progress(
        `timed run ${rep + 1}/${settings.reps}: cold + warm invocation, ${settings.latencyMs} ms latency, Lambda V8 flags for ${memoryMb} MB`,
      );
      runs.push(await runScale(children.scale, headline.path, env, servers, ['cold', 'warm'], SCALE_TIMEOUT_MS, deployedFlags));
      floorRuns.push(await runScale(children.scale, floorRun.path, floorEnv, servers, ['cold', 'warm'], SCALE_TIMEOUT_MS, deployedFlags));
      encodingFloorRuns.push(
        await runScale(
          children.scale,
          floorRun.path,
          { ...floorEnv, BENCH_FLOOR_ENCODE: '1' },
          servers,
          ['cold', 'warm'],
          SCALE_TIMEOUT_MS,
          deployedFlags,
        ),
      );
    }
    lag.disable();
    const fakeServerLagMs = round(lag.max / 1e6);
    progress(`run with Lambda V8 flags for ${GOAL_MEMORY_MB} MB (the memory goal), and the main-first bundle`);
    const goalMemoryRun = await runScale(
      children.scale,
      headline.path,
      env,
      servers,
      ['cold', 'warm'],
      SCALE_TIMEOUT_MS,
      lambdaNodeFlags(GOAL_MEMORY_MB),
    );
    // The run floor's peak under the same flags: the memory the SDK's calls alone take, for the goal's context.
    const goalMemoryFloorRun = await runScale(
      children.scale,
      floorRun.path,
      floorEnv,
      servers,
      ['cold', 'warm'],
      SCALE_TIMEOUT_MS,
      lambdaNodeFlags(GOAL_MEMORY_MB),
    );
    // The default memory's rule needs the peak RSS (and the CPU) under each size's own heap flags.
    const runsBySize = new Map<number, readonly ScaleRun[]>([[memoryMb, runs]]);
    if (!runsBySize.has(GOAL_MEMORY_MB)) runsBySize.set(GOAL_MEMORY_MB, [goalMemoryRun]);
    for (const size of IMPLIED_TIME_MEMORY_SIZES_MB) {
      if (runsBySize.has(size)) continue;
      progress(`run with Lambda V8 flags for ${size} MB (the default memory's rule)`);
      runsBySize.set(size, [
        await runScale(children.scale, headline.path, env, servers, ['cold', 'warm'], SCALE_TIMEOUT_MS, lambdaNodeFlags(size)),
      ]);
    }
    let profile: ProfileFigure | undefined;
    if (settings.cpuProf) {
      progress(
        `--cpu-prof: a cold and a warm invocation under the profiler, ${settings.latencyMs} ms latency (${relative(ROOT, PROFILE_DIR)}/)`,
      );
      const profiled = await profileRun(settings, targetOf(fn?.runtime), ours, children.scale, env, servers, deployedFlags);
      profile = profiled.figure;
      checks.push(profiled.check);
    }
    aws.server.latencyMs = 0;
    datadog.server.latencyMs = 0;
    const variantRun = await runScale(children.scale, oursMainFirst.path, env, servers, ['cold'], SCALE_TIMEOUT_MS, deployedFlags).catch(
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );

    const failed = [
      zero,
      ...runs,
      ...floorRuns,
      ...encodingFloorRuns,
      goalMemoryRun,
      goalMemoryFloorRun,
      ...[...runsBySize.values()].flat(),
    ]
      .flatMap((scaleRun) => scaleRun.invocations)
      .filter((invocation) => !invocation.ok);
    if (failed.length > 0) {
      for (const line of runs[0]?.logLines.slice(0, 20) ?? []) process.stderr.write(`${line}\n`);
      throw new Error(`the collector's run failed, so there are no figures: ${failed[0].label}: ${failed[0].error}`);
    }
    runs.forEach((scaleRun, index) => {
      checks.push(...invocationChecks(`timed run ${index + 1}, cold`, scaleRun.invocations[0], settings, expectedBudgetPoints));
      checks.push(...invocationChecks(`timed run ${index + 1}, warm`, scaleRun.invocations[1], settings, expectedBudgetPoints));
    });
    const overrunMs = round(Math.max(aws.server.overrunMs(), datadog.server.overrunMs()));
    checks.push({
      name: 'the fakes answered on time (their work fit in the latency, and their event loop never lagged by more than a fifth of it)',
      ok: overrunMs <= 0 && fakeServerLagMs <= settings.latencyMs / 5,
      detail: `largest overrun ${overrunMs} ms, largest event-loop lag ${fakeServerLagMs} ms`,
    });
    const variantOk = typeof variantRun !== 'string' && variantRun.invocations.every((invocation) => invocation.ok);
    checks.push({
      name: 'the main-first bundle runs the whole collection',
      ok: variantOk,
      detail:
        typeof variantRun === 'string'
          ? variantRun
          : variantRun.invocations.map((invocation) => invocation.error ?? `${Math.round(invocation.durationMs)} ms`).join('; '),
    });

    const first = runs[0];
    const coldCalls = callsFigure(first.invocations[0], settings, true);
    const warmCalls = callsFigure(first.invocations[1], settings, false);
    const sameEveryRun = [zero, ...runs, goalMemoryRun, ...[...runsBySize.values()].flat()].every(
      (scaleRun) =>
        JSON.stringify(countedCalls(scaleRun.invocations[0], CALL_NAMES)) === JSON.stringify(coldCalls.measured) &&
        JSON.stringify(countedCalls(scaleRun.invocations[1], CALL_NAMES)) === JSON.stringify(warmCalls.measured),
    );
    checks.push({ name: 'the same calls in every run', ok: sameEveryRun, detail: `${runs.length + 2} runs` });
    const floorSameCalls = floorRuns.every(
      (scaleRun) =>
        JSON.stringify(countedCalls(scaleRun.invocations[0], CALL_NAMES)) === JSON.stringify(coldCalls.measured) &&
        JSON.stringify(countedCalls(scaleRun.invocations[1], CALL_NAMES)) === JSON.stringify(warmCalls.measured),
    );
    checks.push({
      name: "the run floor made exactly the collector's calls, cold and warm",
      ok: floorSameCalls,
      detail: floorRuns.map((scaleRun) => JSON.stringify(countedCalls(scaleRun.invocations[0], CALL_NAMES))).join('; '),
    });
    const floorRefused = floorRuns.flatMap((scaleRun) => scaleRun.invocations).filter((invocation) => invocation.datadog.accepted !== 1);
    checks.push({
      name: "the intake accepted the run floor's body every time",
      ok: floorRefused.length === 0,
      detail: floorRefused.map((invocation) => JSON.stringify(invocation.datadog.refused)).join('; '),
    });

    const coldRunTime = runTimeFigure(
      runs.map((scaleRun) => scaleRun.invocations[0]),
      settings.latencyMs,
      coldCalls.minimum,
    );
    const warmRunTime = runTimeFigure(
      runs.map((scaleRun) => scaleRun.invocations[1]),
      settings.latencyMs,
      warmCalls.minimum,
    );

    const sdkFloor = runFloorFigure(runs, floorRuns, floorBody.length, zero.invocations[0].datadog.compressedBytes);
    const encodingFloor = runFloorFigure(runs, encodingFloorRuns, floorBody.length, zero.invocations[0].datadog.compressedBytes);
    const sdkFloorWithEncoding = { body: encodingFloor.body, cold: encodingFloor.cold, warm: encodingFloor.warm };

    // Priced as Lambda runs it: the measured cold start is the INIT; a warm invocation has none.
    const impliedLambda = impliedLambdaFigure(cold.bundle.wallMs.median, coldRunTime, warmRunTime);

    const timeoutSeconds = fn?.timeoutSeconds ?? DEPLOYMENT_DEFAULTS.timeoutSeconds;
    const memoryChoice = chooseMemory(
      IMPLIED_TIME_MEMORY_SIZES_MB.map((size) => {
        const sizeRuns = runsBySize.get(size) ?? [];
        // A smaller heap collects garbage more often: a size's own run counts when it used more CPU than the timed runs.
        const cpuMs = Math.max(coldRunTime.cpuMs.median, median(sizeRuns.map((scaleRun) => scaleRun.invocations[0].cpuMs)));
        return {
          memoryMb: size,
          coldRun: { ...impliedLambda.cold.run, cpuMs: round(cpuMs) },
          peakRssMib: round(Math.max(...sizeRuns.map((scaleRun) => scaleRun.maxRssBytes)) / 2 ** 20),
        };
      }),
      timeoutSeconds,
      memoryMb,
    );

    // 6. Cost
    const schedule = fn?.scheduleExpression ?? DEPLOYMENT_DEFAULTS.scheduleExpression;
    // A schedule other than rate(...) (a cron expression) is priced as the hourly default.
    const runsMonthly = runsPerMonth(scheduleMinutes(schedule) ?? 60);
    const cost = monthlyCost({
      runsPerMonth: runsMonthly,
      scheduleNote:
        `schedule ${schedule}${fn?.scheduleExpression ? ' (from the synthesized template)' : ' (the construct default)'}: ` +
        `${round(runsMonthly, 1)} runs in a ${HOURS_PER_MONTH}-hour month; ${memoryMb} MB arm64`,
      metricsRequestedPerRun: first.invocations[0].aws.units[METRICS_REQUESTED] ?? 0,
      callsPerRun: coldCalls.measured as unknown as Record<string, number>,
      secretReadsPerRun: coldCalls.measured.GetSecretValue,
      memoryMb,
      coldRun: impliedLambda.cold.run,
      timeoutSeconds,
    });

    // 7. Cost Explorer: one run of the second rule, its requests against the minimum and their price.
    const costExplorer = await measureCostExplorer({ ...scenario, timeoutMs: SCALE_TIMEOUT_MS });
    checks.push(...costExplorer.checks, {
      name: 'Cost Explorer run: exactly the minimum of requests',
      ok: costExplorer.calls.met,
      detail: costExplorer.calls.met ? `${costExplorer.requestsPerRun} requests` : costExplorer.calls.over.join(', '),
    });

    const bundleDelta: Record<string, number> = {};
    for (const [group, size] of Object.entries(ours.breakdown ?? {})) bundleDelta[group] = size - (floor.breakdown?.[group] ?? 0);
    const coldRatio = ratio(cold.bundle.wallMs.median, cold.floor.wallMs.median);
    const git = gitState(ROOT);
    const report: Report = {
      schema: 1,
      mode: settings.mode,
      generatedAt: new Date().toISOString(),
      command: `npm run bench${settings.mode === 'quick' ? ' -- --quick' : ''}`,
      machine: { ...host, load1AtStart, load1AtEnd: load1() },
      ...(git === undefined ? {} : { git }),
      settings: {
        budgets: settings.budgets,
        series: settings.series,
        latencyMs: settings.latencyMs,
        coldRuns: settings.coldRuns,
        reps: settings.reps,
        synth: settings.synth,
        memoryMb,
        lambdaNodeFlags: deployedFlags,
      },
      bundle: {
        source: headline.source,
        path:
          headline.source === 'cdk-asset'
            ? relative(ROOT, headline.path).replace(`${relative(ROOT, tmp)}/`, '<tmp>/')
            : `${relative(ROOT, settings.entry)}, bundled as NodejsFunction does`,
        minifiedBytes: headline.minifiedBytes,
        gzippedBytes: headline.gzippedBytes,
        floor: {
          minifiedBytes: floor.minifiedBytes,
          gzippedBytes: floor.gzippedBytes,
          command: floor.command,
          sdk: sdk.map(({ client, commands }) => ({ client, commands })),
        },
        ratio: bundleRatio,
        goal: GOALS.bundle,
        met: bundleRatio.minified <= GOALS.bundle,
        details: {
          synth:
            fn !== undefined
              ? {
                  status: 'ok',
                  ms: synth.ms,
                  reused: synth.status === 'ok' && synth.reused === true,
                  stack: fn.stack,
                  function: fn.logicalId,
                  runtime: fn.runtime,
                  architectures: fn.architectures,
                  memorySize: fn.memorySize,
                  timeout: fn.timeoutSeconds,
                  schedule: fn.scheduleExpression,
                }
              : synth,
          esbuildCommand: ours.command,
          esbuildBundle: { minifiedBytes: ours.minifiedBytes, gzippedBytes: ours.gzippedBytes },
          gzip: 'zlib default level (6)',
          bytesOverFloorByPackage: Object.fromEntries(
            Object.entries(bundleDelta)
              .filter(([, delta]) => delta !== 0)
              .sort(([, a], [, b]) => b - a),
          ),
          variants: {
            [CONSTRUCT_VARIANT.name]: {
              description: CONSTRUCT_VARIANT.description,
              bundle: pick(ours),
              floor: pick(floor),
              ratio: ratio(ours.minifiedBytes, floor.minifiedBytes),
            },
            [MAIN_FIRST_VARIANT.name]: {
              description: MAIN_FIRST_VARIANT.description,
              bundle: pick(oursMainFirst),
              floor: pick(floorMainFirst),
              ratio: ratio(oursMainFirst.minifiedBytes, floorMainFirst.minifiedBytes),
              command: oursMainFirst.command,
            },
          },
        },
      },
      coldStart: {
        wallMs: cold.bundle.wallMs,
        floorWallMs: cold.floor.wallMs,
        ratio: coldRatio,
        setupMs: cold.bundle.setupMs,
        floorSetupMs: cold.floor.setupMs,
        setupRatio: ratio(cold.bundle.setupMs.median, cold.floor.setupMs.median),
        pairedRatio: {
          wall: round(median(cold.bundle.samples.map((sample, index) => sample.wallMs / cold.floor.samples[index].wallMs)), 3),
          setup: round(median(cold.bundle.samples.map((sample, index) => sample.setupMs / cold.floor.samples[index].setupMs)), 3),
        },
        goal: GOALS.coldStart,
        met: coldRatio <= GOALS.coldStart,
        method:
          `a fresh \`node ${deployedFlags.join(' ')}\` per run; bundle and floor take turns (A B, then B A) after one unmeasured warm-up each; ` +
          "wall = spawn to exit. The floor (the SDK clients and commands of the collector's bundle) constructs its clients when required. " +
          'The bundle is required and its handler invoked with a function ARN that has no account id: it loads its configuration and ' +
          "constructs what setUp constructs (the secret's client; the sources' clients are made on first use), then stops " +
          'before any network call (checked: the fake endpoints saw no request).',
        details: cold,
      },
      calls: { scale: { budgets: settings.budgets, series: settings.series }, cold: coldCalls, warm: warmCalls },
      runTime: {
        latencyMs: settings.latencyMs,
        seriesSent: first.invocations[0].datadog.series.length,
        nodeFlags: deployedFlags,
        cold: coldRunTime,
        warm: warmRunTime,
        zeroLatency: {
          coldMs: round(zero.invocations[0].durationMs),
          warmMs: round(zero.invocations[1].durationMs),
          coldCpuMs: round(zero.invocations[0].cpuMs),
          warmCpuMs: round(zero.invocations[1].cpuMs),
        },
        fakeServerLagMs,
      },
      sdkFloor,
      sdkFloorWithEncoding,
      impliedLambda,
      memoryChoice,
      peakRss: {
        headline: rssFigure(`Lambda V8 flags for ${GOAL_MEMORY_MB} MB`, [goalMemoryRun]),
        others: [
          rssFigure(`run floor, Lambda V8 flags for ${GOAL_MEMORY_MB} MB`, [goalMemoryFloorRun]),
          rssFigure(`timed runs, Lambda V8 flags for ${memoryMb} MB`, runs),
          rssFigure('host V8 defaults', [zero]),
        ],
      },
      cost: { ...cost, runsPerMonth: runsMonthly },
      costExplorer,
      ...(profile === undefined ? {} : { cpuProfile: profile }),
      checks,
    };
    writeFileSync(settings.out, `${JSON.stringify(report, null, 2)}\n`);
    print(report, settings);
    if (settings.organization === 'yes') {
      const figure = await organization(cold.bundle.wallMs.median);
      writeFileSync(settings.out, `${JSON.stringify({ ...report, organization: figure }, null, 2)}\n`);
      console.log(organizationText(figure, settings.markdown));
    }
    return 0;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (settings.keep) progress(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

function pick(bundle: BuiltBundle): { minifiedBytes: number; gzippedBytes: number } {
  return { minifiedBytes: bundle.minifiedBytes, gzippedBytes: bundle.gzippedBytes };
}

function print(report: Report, settings: Settings): void {
  const rows = tableRows(report);
  const { runTime, machine: host } = report;
  const out: string[] = [''];
  out.push(
    `Benchmark (${report.mode}): ${settings.budgets} budgets, ${settings.series} billing series; ${host.nproc} × ${host.cpuModel}, node ${host.node}, ` +
      `load ${host.load1AtStart} → ${host.load1AtEnd}${report.git ? `; commit ${report.git.commit}${report.git.dirty ? ' + local changes' : ''}` : ''}`,
  );
  const deployedMajor = /^nodejs(\d+)\./.exec(FUNCTION_RUNTIME.runtime)?.[1];
  if (deployedMajor !== undefined && !host.node.startsWith(`v${deployedMajor}.`)) {
    out.push(
      `Note: the collector ran on Node.js ${host.node}; the function deploys on ${FUNCTION_RUNTIME.runtime}, whose memory and CPU figures differ: ` +
        `--node <path to a Node.js ${deployedMajor}> measures on its runtime (docs/performance.md, Options).`,
    );
  }
  out.push('', formatTable(rows), '');
  out.push(
    'Calls: DescribeBudgets / DescribeBudgetNotificationsForAccount / ListMetrics / GetMetricData / GetSecretValue / Datadog requests, counted by the fake servers.',
  );
  for (const [name, figure] of [
    ['cold', report.calls.cold],
    ['warm', report.calls.warm],
  ] as const) {
    if (!figure.met) out.push(`  ${name} run above the minimum: ${figure.over.join(', ')}`);
  }
  if (report.costExplorer !== undefined) out.push(...costExplorerNotes(report.costExplorer));
  out.push(`Run-time bound: ${BOUND_FORMULA}`);
  out.push(`  cold: ${runTime.cold.formula}`, `  warm: ${runTime.warm.formula}`);
  out.push(`  CPU time of the invocations: cold ${runTime.cold.cpuMs.median} ms, warm ${runTime.warm.cpuMs.median} ms (median)`);
  for (const [name, figure] of [
    ['cold', runTime.cold],
    ['warm', runTime.warm],
  ] as const) {
    const parts = figure.segmentsMs;
    if (parts === undefined) continue;
    out.push(
      `  ${name} run, from the fakes' clock (median ms): ListMetrics chain ${parts.listing}, GetMetricData after it ${parts.metricDataAfterListing}, ` +
        `DescribeBudgets chain ${parts.budgets}; last AWS answer to Datadog request ${parts.lastAwsAnswerToDatadog}; Datadog ${parts.datadog}; ` +
        `outside requests ${parts.outsideRequests}`,
    );
  }
  out.push(
    `  without latency: cold ${runTime.zeroLatency.coldMs} ms (CPU ${runTime.zeroLatency.coldCpuMs} ms), warm ${runTime.zeroLatency.warmMs} ms (CPU ${runTime.zeroLatency.warmCpuMs} ms)`,
  );
  out.push(
    `Run floor (bench/floor/run.ts: the same AWS calls, clients and concurrency, answers discarded, one precomputed Datadog body): ` +
      `goal collector ÷ floor ≤ ${report.sdkFloor.goal} for wall and CPU time, cold and warm; body ${report.sdkFloor.body.floorGzippedBytes.toLocaleString('en-US')} B ` +
      `gzipped (the collector's: ${report.sdkFloor.body.collectorGzippedBytes.toLocaleString('en-US')} B); ` +
      `"+ body encoding": the same floor encoding that body itself each run (JSON.stringify, gzip) from its series parsed before the run (BENCH_FLOOR_ENCODE)`,
  );
  out.push(`Implied Lambda time (ms) = ${report.impliedLambda.formula}:`);
  out.push(
    ...formatTable(impliedTable(report.impliedLambda))
      .split('\n')
      .map((row) => `  ${row}`),
  );
  out.push(`  ${report.impliedLambda.caveats}`);
  out.push(
    `Default memory: ${report.memoryChoice.rule} (timeout ${report.memoryChoice.timeoutSeconds} s; each size's CPU and peak RSS under its own heap flags)` +
      (settings.series === MEMORY_RULE.series
        ? ':'
        : `; measured at ${settings.series} series, not the rule's: the full benchmark decides:`),
    ...formatTable(memoryRows(report.memoryChoice))
      .split('\n')
      .map((row) => `  ${row}`),
    `  ${memoryVerdict(report.memoryChoice)}`,
  );
  const variants = report.bundle.details.variants as Record<
    string,
    { bundle: { minifiedBytes: number; gzippedBytes: number }; floor: { minifiedBytes: number }; ratio: number }
  >;
  out.push('Bundle variants (esbuild as NodejsFunction runs it; minified bytes, bundle / floor):');
  for (const [name, variant] of Object.entries(variants)) {
    out.push(
      `  ${name.padEnd(13)} ${variant.bundle.minifiedBytes.toLocaleString('en-US')} / ${variant.floor.minifiedBytes.toLocaleString('en-US')} = ${variant.ratio.toFixed(3)}` +
        `  (bundle gzipped ${variant.bundle.gzippedBytes.toLocaleString('en-US')})`,
    );
  }
  const delta = Object.entries(report.bundle.details.bytesOverFloorByPackage as Record<string, number>).slice(0, 6);
  out.push(
    `  bytes over the floor by package: ${delta.map(([group, size]) => `${group} ${size >= 0 ? '+' : ''}${size.toLocaleString('en-US')}`).join(', ')}`,
  );
  const coldDetails = report.coldStart.details as Record<string, { wallMs: { median: number }; maxRssMib: { median: number } }>;
  out.push(
    `Peak RSS once required and set up, nothing run: bundle ${coldDetails.bundle.maxRssMib.median} MiB, floor ${coldDetails.floor.maxRssMib.median} MiB`,
  );
  if (coldDetails['bundle-main-first'] !== undefined) {
    out.push(
      `  cold start of the main-first variant: ${coldDetails['bundle-main-first'].wallMs.median} ms vs its floor ${coldDetails['floor-main-first'].wallMs.median} ms`,
    );
  }
  out.push('', 'Cost per month:');
  for (const assumption of report.cost.assumptions) out.push(`  - ${assumption}`);
  for (const line of report.cost.lines) out.push(`  ${line.item.padEnd(24)} ${line.arithmetic}`);
  out.push(
    `  ${'Total'.padEnd(24)} $${report.cost.totalUsd.toFixed(2)} per month (Lambda compute if every run took the whole timeout: $${report.cost.lambdaAtTimeoutUsd.toFixed(2)})`,
  );
  const failedChecks = report.checks.filter((check) => !check.ok);
  out.push(
    '',
    failedChecks.length === 0
      ? `All ${report.checks.length} sanity checks passed.`
      : `Sanity checks that FAILED (${failedChecks.length} of ${report.checks.length}):`,
  );
  for (const check of failedChecks) out.push(`  - ${check.name}: ${check.detail}`);
  out.push(`Report: ${relative(process.cwd(), settings.out) || settings.out}`);
  if (report.cpuProfile !== undefined) {
    for (const label of ['cold', 'warm'] as const) {
      out.push('', ...formatProfile(label, report.cpuProfile[label].summary), `  profile: ${report.cpuProfile[label].file}`);
    }
  }
  if (settings.markdown) {
    out.push(
      '',
      markdownTable(rows),
      '',
      markdownTable(impliedTable(report.impliedLambda)),
      '',
      markdownTable(memoryRows(report.memoryChoice)),
    );
    out.push('', memoryVerdict(report.memoryChoice));
  }
  console.log(out.join('\n'));
}

/** The organization scenario's tables and notes, and with `markdown` the tables as Markdown for docs/performance.md. */
function organizationText(figure: OrganizationFigure, markdown: boolean): string {
  const out = ['', formatTable(organizationRows(figure)), '', `Implied Lambda time (ms) = ${IMPLIED_TIME_FORMULA}:`];
  out.push(
    ...formatTable(organizationImpliedRows(figure))
      .split('\n')
      .map((row) => `  ${row}`),
  );
  out.push(...organizationNotes(figure));
  if (markdown) out.push('', markdownTable(organizationRows(figure)), '', markdownTable(organizationImpliedRows(figure)));
  return out.join('\n');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof Error && ((error as { code?: string }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (usage) console.error(`bench: ${error.message}. Options are listed at the top of bench/run.ts and in docs/performance.md.`);
    else console.error(`bench: the harness failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
