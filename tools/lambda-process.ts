/**
 * The bundled handler run on this machine as Lambda runs it: `lambda-runner.cjs` stands in for
 * the Node.js runtime (init once, then one invocation per request line), and
 * {@link lambdaProcessEnvironment} gives its process the environment Lambda would. The end-to-end
 * tier and the demo both run the bundle this way.
 */
import { join } from 'node:path';

/** The runtime stand-in: `node lambda-runner.cjs <bundle.js> <handler export> <function ARN>`. */
export const LAMBDA_RUNNER = join(__dirname, 'lambda-runner.cjs');

/** What decides the function's environment. */
export interface LambdaProcessOptions {
  readonly functionName: string;
  /** `AWS_REGION`: the function's region. */
  readonly region: string;
  readonly memorySize: number;
  /** The runtime name, as `nodejs24.x`. */
  readonly runtime: string;
  /** `LoggingConfig.LogFormat`, passed as `AWS_LAMBDA_LOG_FORMAT`. */
  readonly logFormat?: string;
  /** `LoggingConfig.ApplicationLogLevel`, passed as `AWS_LAMBDA_LOG_LEVEL`. */
  readonly logLevel?: string;
  /** The stack's `Environment.Variables`. */
  readonly stackEnvironment: Readonly<Record<string, string>>;
  /** `AWS_ENDPOINT_URL`: the fake AWS, moto, or a proxy in front of one. */
  readonly awsEndpoint: string;
  /** Added last, overriding; `undefined` removes a variable. */
  readonly extra?: Readonly<Record<string, string | undefined>>;
}

/**
 * Lambda's own variables, the stack's, then the endpoint and dummy credentials. Nothing is
 * inherited from the calling process (no real AWS profile or credentials can leak in) except
 * `PATH`.
 */
export function lambdaProcessEnvironment(options: LambdaProcessOptions): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    // What Lambda sets for every function.
    AWS_LAMBDA_FUNCTION_NAME: options.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memorySize),
    AWS_EXECUTION_ENV: `AWS_Lambda_${options.runtime}`,
    AWS_LAMBDA_LOG_FORMAT: options.logFormat,
    AWS_LAMBDA_LOG_LEVEL: options.logLevel,
    TZ: 'UTC',
    ...options.stackEnvironment,
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_ENDPOINT_URL: options.awsEndpoint,
    // No shared config, no instance metadata: only the variables above decide.
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...options.extra,
  };
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
