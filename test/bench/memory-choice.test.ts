/**
 * The default memory's rule (bench/memory-choice.ts): the cheapest size whose implied cold run
 * takes at most 10 % of the timeout, with peak RSS at most 80 % of the memory.
 */
import { describe, expect, it } from 'vitest';
import { chooseMemory, memoryRows, memoryVerdict, type MeasuredSize } from '../../bench/memory-choice';

const TIMEOUT_SECONDS = 120;

/** A cold run of `cpuMs` on one core, with 200 ms of INIT and a 400 ms bound, and its peak RSS at each size. */
function sizes(cpuMs: number, rssMib: Readonly<Record<number, number>>, cpuAt: Readonly<Record<number, number>> = {}): MeasuredSize[] {
  return [128, 256, 512, 1024, 1769].map((memoryMb) => ({
    memoryMb,
    coldRun: { initMs: 200, cpuMs: cpuAt[memoryMb] ?? cpuMs, boundMs: 400 },
    peakRssMib: rssMib[memoryMb] ?? 100,
  }));
}

describe('the default memory', () => {
  it('is the smallest size whose cold run fits a tenth of the timeout: 128 MB when 700 ms of CPU takes 9.9 s there', () => {
    // 200 + 700 ÷ (128 ÷ 1769) = 9,874 ms ≤ 12,000 ms
    const choice = chooseMemory(sizes(700, { 128: 95 }), TIMEOUT_SECONDS, 256);
    expect(choice.maxImpliedMs).toBe(12_000);
    expect(choice.chosenMb).toBe(128);
    expect(choice.deployedMatches).toBe(false);
    expect(memoryVerdict(choice)).toBe('Chosen: 128 MB. The deployed default (lambda/deployment.ts) is 256 MB: it does NOT match.');
  });

  it('skips a size whose cold run takes longer than a tenth of the timeout: 900 ms of CPU is 12.6 s at 128 MB', () => {
    const choice = chooseMemory(sizes(900, { 128: 95 }), TIMEOUT_SECONDS, 256);
    expect(choice.candidates[0]).toMatchObject({ memoryMb: 128, impliedMs: 12638.3, fitsTime: false, fitsMemory: true });
    expect(choice.chosenMb).toBe(256);
    expect(choice.deployedMatches).toBe(true);
    expect(memoryVerdict(choice)).toBe('Chosen: 256 MB. The deployed default (lambda/deployment.ts) is 256 MB: it matches.');
  });

  it('skips a size whose peak RSS is above 80 % of its memory: 103 MiB of 128 MB', () => {
    const choice = chooseMemory(sizes(500, { 128: 103 }), TIMEOUT_SECONDS, 256);
    expect(choice.candidates[0]).toMatchObject({ fitsTime: true, fitsMemory: false });
    expect(choice.chosenMb).toBe(256);
    expect(chooseMemory(sizes(500, { 128: 102.4 }), TIMEOUT_SECONDS, 256).chosenMb).toBe(128);
  });

  it('is the cheapest in GB-seconds, not the smallest: a size that needs twice the CPU there costs more', () => {
    // At 128 MB the heap collects garbage so often that the run takes 800 ms of CPU, not 400.
    const choice = chooseMemory(sizes(400, { 128: 90 }, { 128: 800 }), TIMEOUT_SECONDS, 128);
    expect(choice.candidates[0].fitsTime).toBe(true);
    expect(choice.candidates[0].gbSeconds).toBeGreaterThan(choice.candidates[1].gbSeconds);
    expect(choice.chosenMb).toBe(256);
  });

  it('chooses nothing when no size meets the rule, and says so', () => {
    const choice = chooseMemory(sizes(15_000, {}), TIMEOUT_SECONDS, 256);
    expect(choice.chosenMb).toBeUndefined();
    expect(choice.deployedMatches).toBe(false);
    expect(memoryVerdict(choice)).toBe('No memory size meets the rule; the deployed default (lambda/deployment.ts) is 256 MB.');
  });

  it('prints one row per size, marking the one chosen', () => {
    const rows = memoryRows(chooseMemory(sizes(900, { 128: 95 }), TIMEOUT_SECONDS, 256));
    expect(rows).toHaveLength(6);
    expect(rows[1]).toEqual(['128 MB', '900 ms', '12,638 ms', 'NO', '95.0 MiB', 'yes', '1.5798', '']);
    expect(rows[2].at(-1)).toBe('chosen');
  });
});
