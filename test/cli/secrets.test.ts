/**
 * The tool never echoes a flag or variable shaped like a secret: it describes it, and still
 * quotes any other bad value.
 */
import { describe, expect, it } from 'vitest';
import { withEachSecret } from '../support/secret-values';
import { runInProcess } from './in-process';

describe('a flag or variable shaped like a secret is described, never echoed', () => {
  it.each(
    withEachSecret([
      { where: '--site', argv: (secret: string) => ['collect', '--dry-run', '--site', secret], env: () => ({}) },
      { where: 'DD_SITE', argv: () => ['check'], env: (secret: string) => ({ DD_SITE: secret }) },
      { where: '--metric-prefix', argv: (secret: string) => ['estimate', '--metric-prefix', `${secret}.`], env: () => ({}) },
      { where: '--api-key-secret-arn', argv: (secret: string) => ['check', '--api-key-secret-arn', secret], env: () => ({}) },
      {
        where: 'datadog generate --metric-prefix',
        argv: (secret: string) => ['datadog', 'generate', '--metric-prefix', secret],
        env: () => ({}),
      },
      { where: 'datadog apply --site', argv: (secret: string) => ['datadog', 'apply', '--site', secret], env: () => ({}) },
      { where: 'a command name', argv: (secret: string) => [secret], env: () => ({}) },
      { where: 'an option name', argv: (secret: string) => ['collect', `--${secret}`], env: () => ({}) },
      { where: 'demo --scenario', argv: (secret: string) => ['demo', '--scenario', secret], env: () => ({}) },
    ]),
  )('$where set to $kind', async ({ argv, env, value }) => {
    const { code, out, err } = await runInProcess(argv(value), env(value));
    expect(code).toBe(2);
    expect(`${out}${err}`.toLowerCase()).not.toContain(value.toLowerCase());
    expect(err).toContain('not shown');
  });

  it('still quotes a bad flag value that is not shaped like a secret', async () => {
    const { code, err } = await runInProcess(['collect', '--dry-run', '--site', 'datadoghq.org']);
    expect(code).toBe(2);
    expect(err).toContain('"datadoghq.org" is not a Datadog site');
  });

  it('still quotes an unknown command that is not shaped like a secret', async () => {
    const { code, err } = await runInProcess(['colect']);
    expect(code).toBe(2);
    expect(err).toContain("unknown command 'colect'");
  });
});
