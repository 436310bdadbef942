/**
 * The one error type of the deployment side. Every message starts with the context key or
 * construct prop at fault, in backticks, so `cdk synth` points straight at the setting to fix.
 */
export class InvalidSettingError extends Error {
  public override readonly name = 'InvalidSettingError';

  /**
   * @param setting the context key or prop at fault, without backticks.
   * @param problem what is wrong and how to fix it; appended after the setting's name.
   */
  constructor(
    public readonly setting: string,
    problem: string,
  ) {
    super(`\`${setting}\` ${problem}`);
  }
}
