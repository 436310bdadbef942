import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSET_DIRECTORY, ASSET_FILES, renderDatadogAssets } from '../../../tools/datadog/render';
import { DEFAULT_ASSET_SETTINGS } from '../../../tools/datadog/settings';

const repositoryRoot = join(__dirname, '..', '..', '..');

describe('the committed datadog/ files', () => {
  const expected = renderDatadogAssets(DEFAULT_ASSET_SETTINGS);

  it.each(Object.values(ASSET_FILES))('%s equals what the generator writes with the default settings', (file) => {
    const path = join(repositoryRoot, ASSET_DIRECTORY, file);
    const committed = readFileSync(path, 'utf8');
    expect(
      committed,
      `${ASSET_DIRECTORY}/${file} is out of date with the collector's metric definitions: run \`npm run datadog:generate\` and commit the result`,
    ).toBe(expected[file]);
  });

  it('are generated for the collector defaults: prefix aws.billing, a run every hour, alerts at 80 % of a limit', () => {
    expect(DEFAULT_ASSET_SETTINGS).toMatchObject({ metricPrefix: 'aws.billing', scheduleMinutes: 60, actualShareOfLimit: 0.8 });
  });
});
