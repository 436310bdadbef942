import { describe, expect, it } from 'vitest';
import { BODY_FRAME_BYTES, type Body } from '../../../lambda/datadog/payload';
import { SeriesQueue } from '../../../lambda/datadog/series-queue';
import { GAUGE, type MetricSeries } from '../../../lambda/datadog/series';
import type { SubmitResult } from '../../../lambda/datadog/submit';

const series = (count: number): MetricSeries[] =>
  Array.from({ length: count }, (_, i) => ({ metric: 'aws.billing.actual_spend', type: GAUGE, points: [{ timestamp: 1, value: i }], tags: [] }));

/** A submitter whose sends finish when the test says, recording how many run at once. */
function slowSubmitter() {
  const state = { running: 0, most: 0, sent: [] as number[], release: [] as (() => void)[] };
  const submit = (bodies: readonly Body[]): Promise<SubmitResult> => {
    state.running += 1;
    state.most = Math.max(state.most, state.running);
    const count = bodies.reduce((sum, body) => sum + body.seriesCount, 0);
    return new Promise((resolve) =>
      state.release.push(() => {
        state.running -= 1;
        state.sent.push(count);
        resolve({ requests: bodies.length, unanswered: 0, bytesSent: 10, seriesSent: count, errors: count === 3 ? ['some'] : [] });
      }),
    );
  };
  return { state, submit };
}

/** The bytes of a body of `count` of these series: they all encode to the same length (values 0 to 9). */
const bodyBytes = (count: number): number =>
  BODY_FRAME_BYTES + count * Buffer.byteLength(JSON.stringify(series(1)[0])) + Math.max(0, count - 1);

describe('SeriesQueue', () => {
  it('sends a body once the next series would overflow it, and what is left at the end, summing the results', async () => {
    const { state, submit } = slowSubmitter();
    const queue = new SeriesQueue(submit, { maxBodyBytes: bodyBytes(5), maxInFlight: 2 });

    await queue.add(series(3));
    await queue.add(series(2));
    // Five fill a body exactly: it waits for a sixth, which would not fit.
    expect(state.release).toHaveLength(0);
    await queue.add(series(1));
    expect(state.release).toHaveLength(1);
    const finished = queue.finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const release of state.release.splice(0)) release();

    expect(await finished).toEqual({ requests: 2, unanswered: 0, bytesSent: 20, seriesSent: 6, errors: [] });
    expect(state.sent).toEqual([5, 1]);
  });

  it('never has more chunks in flight than its bound: an add waits for a slot', async () => {
    const { state, submit } = slowSubmitter();
    const queue = new SeriesQueue(submit, { maxBodyBytes: bodyBytes(1), maxInFlight: 2 });

    // One series a body: the second add sends the first body, the third the second.
    await queue.add(series(1));
    await queue.add(series(1));
    await queue.add(series(1));
    let fourthAdded = false;
    void queue.add(series(2)).then(() => (fourthAdded = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fourthAdded).toBe(false);
    expect(state.running).toBe(2);

    // Each freed slot lets the next body go, never more than two at once.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    while (!fourthAdded) {
      state.release.shift()?.();
      await tick();
      expect(state.running).toBeLessThanOrEqual(2);
    }
    let finished = false;
    const done = queue.finish().then((result) => ((finished = true), result));
    while (!finished) {
      state.release.shift()?.();
      await tick();
    }
    const result = await done;

    expect(state.most).toBe(2);
    expect(result.seriesSent).toBe(5);
    expect(state.sent).toEqual([1, 1, 1, 1, 1]);
  });
});
