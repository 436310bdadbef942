/**
 * The tool prices and times runs as the stack deploys them; these tests keep its constants in
 * step with the stack's defaults (the tool does not import lib/, which would load aws-cdk-lib
 * on every command).
 */
import { describe, expect, it } from 'vitest';
import { BILLING_COLLECTOR_DEFAULTS } from '../../lib/billing-collector-props';
import { DEFAULT_LAMBDA_MEMORY_MB, DEFAULT_SCHEDULE_MINUTES } from '../../cli/estimate';
import { RUN_TIMEOUT_MS } from '../../cli/run';

describe('the tool’s defaults match the stack’s', () => {
  it('schedule', () => {
    expect(DEFAULT_SCHEDULE_MINUTES).toBe(BILLING_COLLECTOR_DEFAULTS.scheduleRate.toMinutes());
  });

  it('function memory', () => {
    expect(DEFAULT_LAMBDA_MEMORY_MB).toBe(BILLING_COLLECTOR_DEFAULTS.memorySize);
  });

  it('run timeout', () => {
    expect(RUN_TIMEOUT_MS).toBe(BILLING_COLLECTOR_DEFAULTS.timeout.toMilliseconds());
  });
});
