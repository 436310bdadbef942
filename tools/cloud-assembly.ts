/**
 * Reads a synthesized cloud assembly (`cdk synth -o <dir>`) to find the collector function and
 * its code asset, as CloudFormation would deploy them: the benchmark measures that bundle and the
 * end-to-end tier runs it. It reads the assembly's JSON only and never imports aws-cdk-lib, so
 * that what it reports is what was written to disk, not what the CDK would have meant.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ENV } from '../lambda/environment';

/** The collector's `AWS::Lambda::Function` as the assembly deploys it. */
export interface CollectorFunction {
  /** The artifact id of the stack that holds it. */
  readonly stack: string;
  readonly logicalId: string;
  /** The directory of its code asset. */
  readonly assetDir: string;
  /** The bundled handler module: `<asset dir>/<module>.js` (or `.mjs`) for a `Handler` of `<module>.<export>`. */
  readonly bundleFile: string;
  /** The export the `Handler` names (`index.handler` -> `handler`). */
  readonly handlerExport: string;
  /** `Environment.Variables` as written: literal strings, or tokens (`Ref`, `Fn::GetAtt`) CloudFormation would resolve. */
  readonly environment: Readonly<Record<string, unknown>>;
  readonly runtime?: string;
  readonly memorySize?: number;
  readonly architectures?: readonly string[];
  /** `Timeout`, in seconds. */
  readonly timeoutSeconds?: number;
  /**
   * The schedule of the hourly rule: the stack's first EventBridge rule or schedule whose targets
   * send EventBridge's own event (no `Input`), else its first.
   */
  readonly scheduleExpression?: string;
  /** Every EventBridge rule or schedule of the stack, in template order. */
  readonly rules: readonly ScheduleRule[];
  /** `LoggingConfig.ApplicationLogLevel`, which Lambda passes as `AWS_LAMBDA_LOG_LEVEL`. */
  readonly applicationLogLevel?: string;
  /** `LoggingConfig.LogFormat` (`JSON` or `Text`). */
  readonly logFormat?: string;
  /** The logical ids of the stack's DynamoDB tables (the cost anomalies' state), whose ARNs its environment may name. */
  readonly tables: readonly string[];
}

/** An EventBridge rule (or EventBridge Scheduler schedule) as the template writes it. */
export interface ScheduleRule {
  readonly logicalId: string;
  readonly scheduleExpression?: string;
  /**
   * The event each target sends: its `Input`, parsed from the JSON text the template holds, or
   * `undefined` for a target that sends EventBridge's own scheduled event.
   */
  readonly inputs: readonly unknown[];
}

/** The assembly has no collector function with a bundled asset, or more than one. */
export class CloudAssemblyError extends Error {
  public override readonly name = 'CloudAssemblyError';
}

interface TemplateResource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/** Nested assemblies (stages) deeper than this are not looked into. */
const MAX_NESTING = 4;

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Every stack template in a cloud assembly, nested assemblies (stages) included. */
function stackTemplates(assemblyDir: string, depth = 0): { stack: string; dir: string; template: string }[] {
  const manifestPath = join(assemblyDir, 'manifest.json');
  if (depth > MAX_NESTING || !existsSync(manifestPath)) return [];
  const manifest = readJson<{
    artifacts?: Record<string, { type?: string; properties?: { templateFile?: string; directoryName?: string } }>;
  }>(manifestPath);
  const found: { stack: string; dir: string; template: string }[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'aws:cloudformation:stack' && artifact.properties?.templateFile) {
      found.push({ stack: id, dir: assemblyDir, template: join(assemblyDir, artifact.properties.templateFile) });
    } else if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      found.push(...stackTemplates(join(assemblyDir, artifact.properties.directoryName), depth + 1));
    }
  }
  return found;
}

/** The directory of a function's code asset: from the asset metadata, else from the assets manifest. */
function assetDirectory(dir: string, resource: TemplateResource): string | undefined {
  const metadataPath = resource.Metadata?.['aws:asset:path'];
  if (typeof metadataPath === 'string') return join(dir, metadataPath);
  const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
  const key = typeof code?.S3Key === 'string' ? code.S3Key : undefined;
  if (key === undefined) return undefined;
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.assets.json'))) {
    const assets = readJson<{
      files?: Record<string, { source?: { path?: string }; destinations?: Record<string, { objectKey?: string }> }>;
    }>(join(dir, name));
    for (const file of Object.values(assets.files ?? {})) {
      const keys = Object.values(file.destinations ?? {}).map((destination) => destination.objectKey);
      if (keys.includes(key) && file.source?.path) return join(dir, file.source.path);
    }
  }
  return undefined;
}

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const number = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** The template's rules and schedules, with the input of each target. */
function scheduleRules(resources: Record<string, TemplateResource>): ScheduleRule[] {
  const inputOf = (target: unknown): unknown => {
    const input = (target as { Input?: unknown } | undefined)?.Input;
    return typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  };
  return Object.entries(resources).flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::Events::Rule') {
      const targets = Array.isArray(properties.Targets) ? properties.Targets : [];
      return [{ logicalId, scheduleExpression: text(properties.ScheduleExpression), inputs: targets.map(inputOf) }];
    }
    if (resource.Type === 'AWS::Scheduler::Schedule') {
      return [{ logicalId, scheduleExpression: text(properties.ScheduleExpression), inputs: [inputOf(properties.Target)] }];
    }
    return [];
  });
}

/**
 * The collectors among the assembly's Lambda functions: those whose environment names the API
 * key secret (CDK's own helper functions, such as custom-resource providers, do not) and whose
 * code asset holds the module their `Handler` names.
 */
export function collectorFunctions(assemblyDir: string): CollectorFunction[] {
  const found: CollectorFunction[] = [];
  for (const { stack, dir, template } of stackTemplates(assemblyDir)) {
    const resources = readJson<{ Resources?: Record<string, TemplateResource> }>(template).Resources ?? {};
    const rules = scheduleRules(resources);
    const hourly = rules.find((rule) => rule.inputs.every((input) => input === undefined)) ?? rules[0];
    const tables = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::DynamoDB::Table');
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const properties = resource.Properties ?? {};
      const environment = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      if (!(ENV.apiKeySecretArn in environment)) continue;
      const assetDir = assetDirectory(dir, resource);
      const [moduleName, handlerExport] = String(properties.Handler ?? '').split('.');
      if (assetDir === undefined || !moduleName || !handlerExport) continue;
      const bundleFile = ['.js', '.mjs'].map((extension) => join(assetDir, `${moduleName}${extension}`)).find(isFile);
      if (bundleFile === undefined) continue;
      const logging = properties.LoggingConfig as { ApplicationLogLevel?: unknown; LogFormat?: unknown } | undefined;
      found.push({
        stack,
        logicalId,
        assetDir,
        bundleFile,
        handlerExport,
        environment,
        runtime: text(properties.Runtime),
        memorySize: number(properties.MemorySize),
        architectures: Array.isArray(properties.Architectures) ? properties.Architectures.map(String) : undefined,
        timeoutSeconds: number(properties.Timeout),
        scheduleExpression: hourly?.scheduleExpression,
        rules,
        tables,
        applicationLogLevel: text(logging?.ApplicationLogLevel),
        logFormat: text(logging?.LogFormat),
      });
    }
  }
  return found;
}

/**
 * The assembly's one collector function.
 * @throws {CloudAssemblyError} when there is none (with its bundled module) or more than one.
 */
export function readCollectorFunction(assemblyDir: string): CollectorFunction {
  const found = collectorFunctions(assemblyDir);
  if (found.length === 1) return found[0];
  const where = relative(process.cwd(), assemblyDir) || assemblyDir;
  if (found.length === 0) {
    throw new CloudAssemblyError(
      `no AWS::Lambda::Function with ${ENV.apiKeySecretArn} and its bundled handler module in ${where}: is the asset bundled?`,
    );
  }
  throw new CloudAssemblyError(
    `${found.length} functions with ${ENV.apiKeySecretArn} in ${where} (${found.map((fn) => `${fn.stack}/${fn.logicalId}`).join(', ')}); expected one`,
  );
}
