/**
 * Secrets Manager in the fake AWS: `GetSecretValue`.
 * Wire protocol: AWS JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`.
 */
import { awsJson } from './protocols';
import { AwsError, type AwsService, type OperationInput } from './service';

/** The Secrets Manager part of the fake's data. */
export interface SecretsManagerSeed {
  /**
   * Secret strings by ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`).
   * A secret is found by its ARN or by its name, as Secrets Manager finds it.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, string>>;
}

const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

/** The Secrets Manager service over this data. */
export function secretsManagerService(seed: SecretsManagerSeed): AwsService {
  const secrets = Object.entries(seed.secrets ?? {}).map(([arn, value]) => {
    const name = SECRET_ARN.exec(arn)?.[1];
    if (name === undefined) throw new RangeError(`a seeded secret is keyed by its ARN, ending in -<6 characters>; got "${arn}"`);
    return { arn, name, value };
  });

  const getSecretValue = (input: OperationInput): string => {
    const secret = secrets.find(({ arn, name }) => input.SecretId === arn || input.SecretId === name);
    if (secret === undefined) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return JSON.stringify({
      ARN: secret.arn,
      Name: secret.name,
      VersionId: '00000000-0000-4000-8000-000000000000',
      SecretString: secret.value,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
    });
  };

  return {
    protocol: awsJson({ targetPrefix: 'secretsmanager', version: '1.1' }),
    operations: { GetSecretValue: getSecretValue },
  };
}
