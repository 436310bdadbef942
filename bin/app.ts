#!/usr/bin/env node
/**
 * The CDK app: read and check the context, build the stack, and run cdk-nag's AWS Solutions
 * checks on it at every synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BillingCollectorStack } from '../lib/billing-collector-stack';
import { readAppSettings } from '../lib/context';

const app = new App();
const settings = readAppSettings((key) => app.node.tryGetContext(key));
new BillingCollectorStack(app, 'AwsBillingToDatadog', settings);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
