import { describe, expect, it } from 'vitest';
import type { Body } from '../../../lambda/datadog/payload';
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

describe('SeriesQueue', () => {
  it('sends a chunk once it is full, and what is left at the end, summing the results', async () => {
    const { state, submit } = slowSubmitter();
    const queue = new SeriesQueue(submit, { chunkSeries: 4, maxInFlight: 2 });

    await queue.add(series(3));
    expect(state.release).toHaveLength(0);
    await queue.add(series(2));
    expect(state.release).toHaveLength(1);
    await queue.add(series(1));
    const finished = queue.finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const release of state.release.splice(0)) release();

    expect(await finished).toEqual({ requests: 2, unanswered: 0, bytesSent: 20, seriesSent: 6, errors: [] });
    expect(state.sent).toEqual([5, 1]);
  });

  it('never has more chunks in flight than its bound: an add waits for a slot', async () => {
    const { state, submit } = slowSubmitter();
    const queue = new SeriesQueue(submit, { chunkSeries: 1, maxInFlight: 2 });

    await queue.add(series(1));
    await queue.add(series(1));
    let thirdAdded = false;
    const third = queue.add(series(3)).then(() => (thirdAdded = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(thirdAdded).toBe(false);
    expect(state.running).toBe(2);

    state.release.shift()?.();
    await third;
    expect(thirdAdded).toBe(true);
    for (const release of state.release.splice(0)) release();
    const result = await queue.finish();

    expect(state.most).toBe(2);
    expect(result.seriesSent).toBe(5);
    expect(result.errors).toEqual(['some']);
  });
});
