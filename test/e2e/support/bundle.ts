/**
 * The artifact we ship: synthesize the CDK app, and find in the cloud assembly the Lambda
 * function's bundle (`index.js`, built by esbuild through `NodejsFunction`), its environment
 * and its timeout, exactly as the template gives them to Lambda.
 *
 * Synthesis takes 15 to 50 s on two cores, so the assembly is cached in the system's temp
 * directory, keyed by a hash of everything synthesis reads (the app, the stack, the collector's
 * sources, the lockfile, the context given, the Node version): a test file synthesizes at most
 * once, the files after the first reuse its assembly, and a change to any input synthesizes again.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readCollectorFunction, type ScheduleRule } from '../../../tools/cloud-assembly';
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';
import { FUNCTION_REGION } from './invoke';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** What synthesis reads: a change to any of these makes a new assembly. */
const SYNTH_INPUT_DIRS = ['bin', 'lib', 'lambda'];
const SYNTH_INPUT_FILES = ['cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'];

const SYNTH_TIMEOUT_MS = 300_000;
const ASSEMBLY_PREFIX = 'billing-collector-e2e-assembly-';

const SECRET_NAME = 'datadog/billing-collector/api-key';
const SECRET_CUSTOM_ID = 'AbCdEf';

/**
 * The API key secret the stack is synthesized with. moto names a secret's ARN
 * `<name>-<6 random characters>`, unless the secret is created with the tag `_custom_id_`, whose
 * value it then uses as the suffix: the tests seed the secret with {@link E2E_SECRET.customId}, so
 * the ARN in the template is the ARN of the seeded secret and the stack's environment is used as is.
 */
export const E2E_SECRET = {
  /** The key is kept in us-east-1 here, while the function runs in eu-west-1. */
  region: 'us-east-1',
  name: SECRET_NAME,
  customId: SECRET_CUSTOM_ID,
  arn: `arn:aws:secretsmanager:us-east-1:${MOTO_DEFAULT_ACCOUNT_ID}:secret:${SECRET_NAME}-${SECRET_CUSTOM_ID}`,
} as const;

/** The collector as the cloud assembly deploys it. */
export interface CollectorBundle {
  /** The cloud assembly directory (`cdk synth -o`). */
  readonly assemblyDir: string;
  /** Logical id of the collector's `AWS::Lambda::Function`. */
  readonly functionLogicalId: string;
  /** Absolute path of the bundled handler module (`<asset dir>/index.js`). */
  readonly bundleFile: string;
  /** The export the function's `Handler` names (`index.handler` -> `handler`). */
  readonly handlerExport: string;
  /** `Environment.Variables` of the function, all literal strings. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's `Timeout`, in seconds. */
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly runtime: string;
  /** `LoggingConfig.ApplicationLogLevel`, which Lambda passes as `AWS_LAMBDA_LOG_LEVEL`. */
  readonly applicationLogLevel: string | undefined;
  /** `LoggingConfig.LogFormat` (`JSON` or `Text`). */
  readonly logFormat: string | undefined;
  /** The stack's EventBridge rules, with the event each target sends. */
  readonly rules: readonly ScheduleRule[];
  /**
   * The stack's DynamoDB tables, by logical id: a test creates each in moto under that name (its
   * ARN, {@link motoTableArn}, is what the environment gives the function).
   */
  readonly tables: readonly string[];
}

/** The ARN of a stack's table as the e2e tier creates it in moto: named by its logical id, in the function's region and moto's account. */
export function motoTableArn(logicalId: string): string {
  return `arn:aws:dynamodb:${FUNCTION_REGION}:${MOTO_DEFAULT_ACCOUNT_ID}:table/${logicalId}`;
}

/** The table whose ARN a `Fn::GetAtt` names. */
function tableOf(value: unknown, tables: readonly string[]): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' && tables.includes(String(getAtt[0])) ? String(getAtt[0]) : undefined;
}

/** The context of organization mode: the same bundle, the environment and sizing the stack gives it there. */
export const ORGANIZATION_CONTEXT: Readonly<Record<string, string>> = { accounts: 'organization' };

const bundles = new Map<string, Promise<CollectorBundle>>();

/**
 * Synthesizes the app (or reuses the cached assembly) with `-c apiKeySecretArn=<E2E_SECRET.arn>`
 * and any other context given (such as {@link ORGANIZATION_CONTEXT}), and returns the collector's
 * bundle. Memoized: one synthesis at most per context and test file.
 */
export function collectorBundle(extraContext: Readonly<Record<string, string>> = {}): Promise<CollectorBundle> {
  const context = { apiKeySecretArn: E2E_SECRET.arn, ...extraContext };
  const key = JSON.stringify(context);
  let bundle = bundles.get(key);
  if (bundle === undefined) bundles.set(key, (bundle = synthesize(context)));
  return bundle;
}

async function synthesize(context: Readonly<Record<string, string>>): Promise<CollectorBundle> {
  const key = inputsHash(context);
  const assemblyDir = path.join(tmpdir(), `${ASSEMBLY_PREFIX}${key.slice(0, 16)}`);
  const complete = path.join(assemblyDir, '.e2e-complete');
  if (!existsSync(complete)) {
    const staging = `${assemblyDir}.staging-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await runSynth(staging, context);
    writeFileSync(path.join(staging, '.e2e-complete'), `${key}\n`);
    if (existsSync(complete)) {
      // Another test run synthesized the same inputs meanwhile, and may be using its assembly.
      rmSync(staging, { recursive: true, force: true });
    } else {
      rmSync(assemblyDir, { recursive: true, force: true });
      renameSync(staging, assemblyDir);
    }
    removeStaleAssemblies(assemblyDir);
  }
  return readCollector(assemblyDir);
}

/**
 * Assemblies of earlier inputs are of no further use, but a test run started before this one
 * may still be invoking its bundle: only those untouched for a day are removed.
 */
function removeStaleAssemblies(keep: string): void {
  const dayAgo = Date.now() - 24 * 3_600_000;
  for (const name of readdirSync(tmpdir())) {
    const dir = path.join(tmpdir(), name);
    if (!name.startsWith(ASSEMBLY_PREFIX) || dir === keep) continue;
    try {
      if (statSync(dir).mtimeMs < dayAgo) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another run.
    }
  }
}

function runSynth(outDir: string, context: Readonly<Record<string, string>>): Promise<void> {
  const cdk = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  const args = ['synth', '--no-notices', '--quiet', '-o', outDir, ...Object.entries(context).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  return new Promise((resolve, reject) => {
    execFile(
      cdk,
      args,
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        timeout: SYNTH_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
          reject(new Error(`cdk ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${tail}`, { cause: error }));
        } else {
          resolve();
        }
      },
    );
  });
}

/** sha256 over the synthesis inputs, in a stable order. */
function inputsHash(context: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  hash.update(`node ${process.version}\n${JSON.stringify(context)}\n`);
  const files = [
    ...SYNTH_INPUT_FILES.map((file) => path.join(PROJECT_ROOT, file)),
    ...SYNTH_INPUT_DIRS.flatMap((dir) => listFiles(path.join(PROJECT_ROOT, dir))),
  ];
  for (const file of files.sort()) {
    if (!existsSync(file)) continue;
    hash.update(`${path.relative(PROJECT_ROOT, file)}\0`);
    hash.update(readFileSync(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** The collector in the assembly, with the environment as literal strings, as the tests give it to the function. */
export function readCollector(assemblyDir: string): CollectorBundle {
  const fn = readCollectorFunction(assemblyDir);
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    // A table of the stack is created in moto under its logical id (see `tables`): its ARN there.
    const table = tableOf(value, fn.tables);
    if (table !== undefined) {
      environment[name] = motoTableArn(table);
      continue;
    }
    // Any other token (Ref, Fn::GetAtt) would be resolved by CloudFormation; the tests need literals.
    if (typeof value !== 'string')
      throw new Error(`${fn.logicalId}: environment variable ${name} is not a literal string: ${JSON.stringify(value)}`);
    environment[name] = value;
  }
  return {
    assemblyDir,
    functionLogicalId: fn.logicalId,
    bundleFile: fn.bundleFile,
    handlerExport: fn.handlerExport,
    environment,
    tables: fn.tables,
    // Lambda's defaults when the template leaves them out.
    timeoutSeconds: fn.timeoutSeconds ?? 3,
    memorySize: fn.memorySize ?? 128,
    runtime: fn.runtime ?? '',
    applicationLogLevel: fn.applicationLogLevel,
    logFormat: fn.logFormat,
    rules: fn.rules,
  };
}
