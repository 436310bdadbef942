/** Runs `work` over `items` with at most `limit` in flight; the first failure rejects. */
export async function runWithConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Work over items that arrive over time, such as the pages of a listing. */
export interface WorkQueue<T> {
  /** Queues items; they start as soon as fewer than the limit are in flight. */
  add(items: Iterable<T>): void;
  /**
   * No more items will come: settles once every queued item is done.
   * @throws the first failure, once the items in flight have settled; items not started by then are dropped.
   */
  finish(): Promise<void>;
}

/**
 * A {@link WorkQueue} with at most `limit` items in flight, so that work on the first pages of a
 * listing overlaps the listing of the next instead of waiting for its end.
 */
export function workQueue<T>(limit: number, work: (item: T) => Promise<void>): WorkQueue<T> {
  // Items taken are cleared, so a long listing does not keep every item alive.
  const pending: (T | undefined)[] = [];
  let head = 0;
  let running = 0;
  let closed = false;
  let failure: { readonly error: unknown } | undefined;
  let settle: (() => void) | undefined;
  const settleIfIdle = (): void => {
    if (closed && running === 0 && (head === pending.length || failure !== undefined)) settle?.();
  };
  const pump = (): void => {
    while (running < limit && head < pending.length && failure === undefined) {
      const item = pending[head] as T;
      pending[head] = undefined;
      head += 1;
      running += 1;
      void work(item)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          running -= 1;
          pump();
          settleIfIdle();
        });
    }
  };
  const finished = new Promise<void>((resolve) => {
    settle = resolve;
  });
  return {
    add(items) {
      for (const item of items) pending.push(item);
      pump();
    },
    async finish() {
      closed = true;
      settleIfIdle();
      await finished;
      if (failure !== undefined) throw failure.error;
    },
  };
}
