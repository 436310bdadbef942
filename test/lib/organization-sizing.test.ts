/**
 * Organization mode's sizing: the memory and timeout lambda/deployment.ts declares for it (chosen
 * from the benchmark's organization scenario), in the template; self mode keeps its own.
 */
import { describe, it } from 'vitest';
import { DEPLOYMENT_DEFAULTS, ORGANIZATION_DEPLOYMENT } from '../../lambda/deployment';
import { templateOf } from './app-fixture';

describe('the function’s memory and timeout by mode', () => {
  it.each([
    { accounts: 'organization', memory: ORGANIZATION_DEPLOYMENT.memorySizeMb, timeout: ORGANIZATION_DEPLOYMENT.timeoutSeconds },
    { accounts: 'self', memory: DEPLOYMENT_DEFAULTS.memorySizeMb, timeout: DEPLOYMENT_DEFAULTS.timeoutSeconds },
  ])(
    'deploys $memory MB and $timeout s with accounts=$accounts',
    ({ accounts, memory, timeout }) => {
      templateOf({ accounts }).template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: memory, Timeout: timeout });
    },
    120_000,
  );
});
