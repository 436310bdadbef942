/**
 * The setting flags made from the settings table: a switch that is off by default and has a
 * `flag` in its row reaches the tool (each command that runs a collection takes it, and it sets
 * the variable the function reads) with no wiring of its own in `cli/`.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../cli/io';
import { buildProgram, collectorFlags } from '../../cli/program';
import { collectorEnvironment, OPT_IN_SWITCHES } from '../../cli/settings';
import { ENV } from '../../lambda/environment';
import { COLLECTOR_SETTING_NAMES, settingSpec } from '../../lambda/settings';

/** Read from the rows themselves, not from the tool's list, so a row the tool misses fails here. */
const DEFAULT_OFF_SWITCHES = COLLECTOR_SETTING_NAMES.filter((name) => {
  const spec = settingSpec(name);
  return spec.type === 'boolean' && spec.default === false && spec.flag !== undefined;
});

const COLLECTION_COMMANDS = ['collect', 'check', 'estimate'] as const;

const silent: Io = { out: () => undefined, err: () => undefined, errIsTty: false, env: {} };

/** The function's environment that one command line would give, read as the command's action would. */
async function environmentOf(argv: readonly string[]): Promise<Record<string, string>> {
  const program = buildProgram(silent, '9.9.9', () => undefined);
  const command = program.commands.find((each) => each.name() === argv[0]);
  if (command === undefined) throw new Error(`no command ${argv[0]}`);
  let environment: Record<string, string> | undefined;
  // The command's own action would call AWS; this one stops at the flags.
  command.action((_options: unknown, parsed: Command) => {
    environment = collectorEnvironment(collectorFlags(parsed.opts()), {}, {});
  });
  await program.parseAsync([...argv], { from: 'user' });
  if (environment === undefined) throw new Error('the action did not run');
  return environment;
}

describe('the switches that are off by default', () => {
  it('are the sources AWS bills per request, each with a flag', () => {
    expect(DEFAULT_OFF_SWITCHES).toEqual(['collectCostExplorer', 'collectCostAnomalies']);
    expect(OPT_IN_SWITCHES).toEqual(DEFAULT_OFF_SWITCHES);
  });

  it.each(COLLECTION_COMMANDS.flatMap((command) => DEFAULT_OFF_SWITCHES.map((name) => [command, name] as const)))(
    '%s: the flag of %s sets its variable to true, and without it the variable is unset',
    async (command, name) => {
      const flag = `--${settingSpec(name).flag ?? ''}`;
      expect((await environmentOf([command, flag]))[ENV[name]]).toBe('true');
      expect((await environmentOf([command]))[ENV[name]]).toBeUndefined();
    },
  );
});
