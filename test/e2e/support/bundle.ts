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
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';

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
}

let bundle: Promise<CollectorBundle> | undefined;

/**
 * Synthesizes the app (or reuses the cached assembly) with `-c apiKeySecretArn=<E2E_SECRET.arn>`
 * and returns the collector's bundle. Memoized: one synthesis at most per test file.
 */
export function collectorBundle(): Promise<CollectorBundle> {
  bundle ??= synthesize();
  return bundle;
}

async function synthesize(): Promise<CollectorBundle> {
  const context = { apiKeySecretArn: E2E_SECRET.arn };
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

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** Finds the collector function in the assembly's stack templates. */
export function readCollector(assemblyDir: string): CollectorBundle {
  const manifest = JSON.parse(readFileSync(path.join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const templates = Object.values(manifest.artifacts ?? {})
    .filter((artifact) => artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile !== undefined)
    .map((artifact) => path.join(assemblyDir, artifact.properties?.templateFile as string));

  const found: { id: string; resource: CfnResource }[] = [];
  for (const file of templates) {
    const template = JSON.parse(readFileSync(file, 'utf8')) as { Resources?: Record<string, CfnResource> };
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
      if (resource.Type === 'AWS::Lambda::Function' && variables?.DD_API_KEY_SECRET_ARN !== undefined) found.push({ id, resource });
    }
  }
  if (found.length !== 1) {
    throw new Error(`expected one collector function (with DD_API_KEY_SECRET_ARN) in ${assemblyDir}, found ${found.length}`);
  }
  const [{ id, resource }] = found;
  const properties = resource.Properties ?? {};

  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') throw new Error(`${id} has no aws:asset:path metadata: is the asset bundled?`);
  const handler = String(properties.Handler ?? '');
  const [moduleName, handlerExport] = handler.split('.');
  if (moduleName === undefined || handlerExport === undefined) throw new Error(`${id} has an unexpected Handler "${handler}"`);
  const bundleFile = path.resolve(assemblyDir, assetPath, `${moduleName}.js`);
  if (!existsSync(bundleFile)) throw new Error(`${id}: the bundle ${bundleFile} does not exist`);

  const variables = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    // A token (Ref, Fn::GetAtt) would be resolved by CloudFormation; the tests need literals.
    if (typeof value !== 'string') throw new Error(`${id}: environment variable ${name} is not a literal string: ${JSON.stringify(value)}`);
    environment[name] = value;
  }
  const logging = properties.LoggingConfig as { ApplicationLogLevel?: string; LogFormat?: string } | undefined;
  return {
    assemblyDir,
    functionLogicalId: id,
    bundleFile,
    handlerExport,
    environment,
    timeoutSeconds: Number(properties.Timeout ?? 3),
    memorySize: Number(properties.MemorySize ?? 128),
    runtime: String(properties.Runtime ?? ''),
    applicationLogLevel: logging?.ApplicationLogLevel,
    logFormat: logging?.LogFormat,
  };
}
