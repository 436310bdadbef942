/**
 * The deployable stack: the billing collector, the secret and alarm topic it is given (imported
 * or created here), the AWS tags and permissions boundary, and the outputs a user needs next.
 */
import { CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { putApiKeyCommand } from '../lambda/environment';
import { BillingCollector } from './billing-collector';
import { BillingCollectorProps } from './billing-collector-props';

/** The collector's settings that need no resource from the stack. */
export type BillingCollectorSettings = Omit<BillingCollectorProps, 'apiKeySecret' | 'apiKeySecretKmsKey' | 'alarmTopic'>;

/** Stack props; the app builds them from validated context (`lib/context.ts`). */
export interface BillingCollectorStackProps extends StackProps {
  /** @default - the collector's defaults */
  readonly collector?: BillingCollectorSettings;
  /**
   * Complete ARN of an existing secret holding the Datadog API key.
   * @default - the collector creates a secret holding a placeholder
   */
  readonly apiKeySecretArn?: string;
  /**
   * ARN of the customer-managed KMS key of `apiKeySecretArn`.
   * @default - the secret uses the AWS managed key
   */
  readonly apiKeySecretKmsKeyArn?: string;
  /**
   * E-mail address subscribed to a new topic that receives the alarms.
   * @default - no e-mail
   */
  readonly alarmEmail?: string;
  /**
   * ARN of an existing SNS topic, in the stack's region, that receives the alarms.
   * @default - no topic unless `alarmEmail` is given
   */
  readonly alarmTopicArn?: string;
  /**
   * AWS tags put on every resource of the stack that supports tags.
   * @default - none
   */
  readonly resourceTags?: Readonly<Record<string, string>>;
  /**
   * ARN of a managed policy set as the permissions boundary of every role in the stack.
   * @default - no boundary
   */
  readonly permissionsBoundaryArn?: string;
}

export class BillingCollectorStack extends Stack {
  public readonly collector: BillingCollector;

  constructor(scope: Construct, id: string, props: BillingCollectorStackProps = {}) {
    super(scope, id, {
      description: 'Sends AWS Budgets and CloudWatch billing metrics to Datadog on a schedule',
      ...props,
    });

    const apiKeySecret =
      props.apiKeySecretArn === undefined
        ? undefined
        : secretsmanager.Secret.fromSecretCompleteArn(this, 'ApiKeySecret', props.apiKeySecretArn);
    const apiKeySecretKmsKey =
      props.apiKeySecretKmsKeyArn === undefined ? undefined : kms.Key.fromKeyArn(this, 'ApiKeySecretKmsKey', props.apiKeySecretKmsKeyArn);

    this.collector = new BillingCollector(this, 'BillingCollector', {
      ...props.collector,
      apiKeySecret,
      apiKeySecretKmsKey,
      alarmTopic: this.alarmTopic(props),
    });

    for (const [key, value] of Object.entries(props.resourceTags ?? {})) Tags.of(this).add(key, value);
    if (props.permissionsBoundaryArn !== undefined) {
      iam.PermissionsBoundary.of(this).apply(
        iam.ManagedPolicy.fromManagedPolicyArn(this, 'PermissionsBoundary', props.permissionsBoundaryArn),
      );
    }
    this.addOutputs(props.collector?.accounts === 'organization');
  }

  private alarmTopic(props: BillingCollectorStackProps): sns.ITopic | undefined {
    if (props.alarmTopicArn !== undefined) {
      return sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);
    }
    if (props.alarmEmail === undefined) return undefined;
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Billing collector alarms',
      enforceSSL: true,
    });
    topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    return topic;
  }

  private addOutputs(organization: boolean): void {
    const { function: fn, logGroup, apiKeySecret, createdApiKeySecret, role } = this.collector;
    if (organization) {
      new CfnOutput(this, 'CollectorRoleArn', {
        description: "The collector's role, which the member and management reader roles trust",
        value: role.roleArn,
      });
    }
    new CfnOutput(this, 'FunctionName', {
      description: 'The collector function',
      value: fn.functionName,
    });
    new CfnOutput(this, 'LogGroupName', {
      description: "The collector's log group",
      value: logGroup.logGroupName,
    });
    new CfnOutput(this, 'ApiKeySecretArn', {
      description: 'The secret the collector reads the Datadog API key from',
      value: apiKeySecret.secretArn,
    });
    if (createdApiKeySecret) {
      new CfnOutput(this, 'PutApiKeyCommand', {
        description: 'Puts the Datadog API key in the secret; it reads the key from standard input',
        value: putApiKeyCommand(apiKeySecret.secretArn, this.region),
      });
    }
    new CfnOutput(this, 'SmokeTestCommand', {
      description: 'Runs the collector once and prints its result',
      value: `aws lambda invoke --region ${this.region} --function-name ${fn.functionName} /dev/stdout`,
    });
    new CfnOutput(this, 'LogsTailCommand', {
      description: "Shows the collector's log lines of the last 15 minutes",
      value: `aws logs tail ${logGroup.logGroupName} --region ${this.region} --since 15m`,
    });
  }
}
