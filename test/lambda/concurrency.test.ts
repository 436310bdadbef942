import { describe, expect, it } from 'vitest';
import { runWithConcurrency, workQueue } from '../../lambda/concurrency';

/** A promise and the function that settles it, to hold work open until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('runWithConcurrency', () => {
  it('does every item, never more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await runWithConcurrency([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
      done.push(item);
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });
});

describe('workQueue', () => {
  it('starts the first items as soon as they are added, before later ones arrive (work overlaps a listing)', async () => {
    const started: number[] = [];
    const hold = gate();
    const queue = workQueue<number>(2, async (item) => {
      started.push(item);
      await hold.promise;
    });
    queue.add([1]);
    expect(started).toEqual([1]);
    queue.add([2, 3]);
    // The limit of 2 holds 3 back until one is done.
    expect(started).toEqual([1, 2]);
    hold.open();
    await queue.finish();
    expect(started).toEqual([1, 2, 3]);
  });

  it('does not settle between additions while it is still open: finish() is what closes it', async () => {
    const done: number[] = [];
    const queue = workQueue<number>(4, async (item) => {
      done.push(item);
    });
    queue.add([1]);
    await new Promise((resolve) => setTimeout(resolve, 1));
    queue.add([2]);
    await queue.finish();
    expect(done).toEqual([1, 2]);
  });

  it('finishes at once with nothing added', async () => {
    await expect(workQueue(3, async () => undefined).finish()).resolves.toBeUndefined();
  });

  it('rejects finish() with the first failure once the items in flight settle, and starts no item after it', async () => {
    const started: number[] = [];
    const queue = workQueue<number>(1, async (item) => {
      started.push(item);
      if (item === 2) throw new Error('item 2 failed');
    });
    queue.add([1, 2, 3, 4]);
    await expect(queue.finish()).rejects.toThrow('item 2 failed');
    expect(started).toEqual([1, 2]);
  });
});
