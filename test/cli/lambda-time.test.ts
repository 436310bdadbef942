/** The implied Lambda time: the one formula the cost model and the benchmark price a run with. */
import { describe, expect, it } from 'vitest';
import { lambdaComputeLine } from '../../cli/cost-model';
import { cpuShare, IMPLIED_TIME_MEMORY_SIZES_MB, impliedArithmetic, impliedLambdaMs, ONE_VCPU_MEMORY_MB } from '../../cli/lambda-time';

const RUN = { initMs: 180, cpuMs: 762, boundMs: 400 };

describe('cpuShare', () => {
  it.each([
    [128, 128 / 1769],
    [256, 256 / 1769],
    [1769, 1],
    [3538, 1],
    [10_240, 1],
  ])('gives %i MB a share of %f of one vCPU (at most one: the work is single-threaded)', (memoryMb, share) => {
    expect(cpuShare(memoryMb)).toBeCloseTo(share, 12);
  });
});

describe('impliedLambdaMs', () => {
  it('is INIT plus the CPU time stretched by the share when that is longer than the bound', () => {
    expect(impliedLambdaMs(RUN, 256)).toBeCloseTo(180 + 762 / (256 / 1769), 6);
  });

  it('is INIT plus the bound when the CPU time at the share fits in it', () => {
    expect(impliedLambdaMs(RUN, 1769)).toBe(180 + 762);
    expect(impliedLambdaMs({ initMs: 0, cpuMs: 100, boundMs: 400 }, 1769)).toBe(400);
    expect(impliedLambdaMs({ initMs: 0, cpuMs: 100, boundMs: 400 }, 1024)).toBe(400);
  });

  it('falls as the memory grows, down to one vCPU, and no further', () => {
    const times = IMPLIED_TIME_MEMORY_SIZES_MB.map((memoryMb) => impliedLambdaMs(RUN, memoryMb));
    for (let index = 1; index < times.length; index += 1) expect(times[index]).toBeLessThan(times[index - 1]);
    expect(IMPLIED_TIME_MEMORY_SIZES_MB.at(-1)).toBe(ONE_VCPU_MEMORY_MB);
    expect(impliedLambdaMs(RUN, 4096)).toBe(impliedLambdaMs(RUN, ONE_VCPU_MEMORY_MB));
  });

  it('writes its arithmetic out', () => {
    expect(impliedArithmetic(RUN, 256)).toBe('180 ms INIT + max(762 ms CPU ÷ 0.145, 400 ms bound) = 5,446 ms');
  });
});

describe('lambdaComputeLine', () => {
  it('bills a run at its implied time, at the arm64 price', () => {
    const computed = lambdaComputeLine(730, RUN, 256);
    const seconds = impliedLambdaMs(RUN, 256) / 1000;
    expect(computed.quantity).toBeCloseTo(730 * seconds * 0.25, 3);
    expect(computed.arithmetic).toBe('730 runs × 5.446 s × 0.25 GB = 993.811 GB-seconds × $0.0000133334 = $0.0133');
    expect(computed.note).toBe(`billed time per run at 256 MB: ${impliedArithmetic(RUN, 256)}`);
  });

  it('bills a time given outright as it is (the timeout)', () => {
    expect(lambdaComputeLine(730, { seconds: 120 }, 256).arithmetic).toBe(
      '730 runs × 120 s × 0.25 GB = 21,900 GB-seconds × $0.0000133334 = $0.292',
    );
  });
});
