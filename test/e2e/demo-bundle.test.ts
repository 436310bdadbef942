/**
 * The demo runs the bundle it builds itself, with the construct's esbuild options: it must be
 * the asset `cdk synth` builds, byte for byte, so that what the demo shows is what deploys.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleCollector } from '../../tools/bundle';
import { collectorBundle } from './support/bundle';

const ROOT = resolve(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'billing-demo-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the demo's bundle", () => {
  it('is byte for byte the asset cdk synth builds for the function', async () => {
    const [asset, built] = await Promise.all([collectorBundle(), bundleCollector(ROOT, tmp)]);
    const assetBytes = readFileSync(asset.bundleFile);
    const builtBytes = readFileSync(built.path);
    expect(builtBytes.length).toBe(assetBytes.length);
    expect(builtBytes.equals(assetBytes)).toBe(true);
  }, 300_000);
});
