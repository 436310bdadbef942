/**
 * Series sent as they are built, for runs whose series would not fit in memory at once (an
 * organization of thousands of accounts): gathered until a chunk is full, packed into bodies and
 * handed to the submitter, with at most a few chunks on their way. An `add` waits while that
 * many are in flight, so the series held stay bounded whatever the number of accounts.
 */
import { describeError } from '../errors';
import { packBodies, type Body } from './payload';
import type { MetricSeries } from './series';
import type { SubmitResult } from './submit';

export interface SeriesQueueOptions {
  /** Series gathered before they are packed and sent: about 1.5 MB of JSON. @default 5000 */
  readonly chunkSeries?: number;
  /** Chunks being sent at once; each may be several bodies, sent by the submitter's own bound. @default 2 */
  readonly maxInFlight?: number;
}

export class SeriesQueue {
  private waiting: MetricSeries[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly result = { requests: 0, unanswered: 0, bytesSent: 0, seriesSent: 0, errors: [] as string[] };

  /** @param submit sends bodies; it reports failures in its result rather than throwing (`submitBodies`). */
  constructor(
    private readonly submit: (bodies: readonly Body[]) => Promise<SubmitResult>,
    private readonly options: SeriesQueueOptions = {},
  ) {}

  /** Queues series; waits while the chunks in flight are at their bound. */
  public async add(series: readonly MetricSeries[]): Promise<void> {
    for (const item of series) this.waiting.push(item);
    if (this.waiting.length >= (this.options.chunkSeries ?? 5000)) await this.flush();
  }

  /** Sends what is waiting and waits for every chunk: the totals of the run. */
  public async finish(): Promise<SubmitResult> {
    if (this.waiting.length > 0) await this.flush();
    await Promise.all(this.inFlight);
    return this.result;
  }

  private async flush(): Promise<void> {
    const chunk = this.waiting;
    this.waiting = [];
    // Checked again after each wait: another account's chunk may have taken the slot that freed.
    while (this.inFlight.size >= (this.options.maxInFlight ?? 2)) await Promise.race(this.inFlight);
    const sending: Promise<void> = this.submit(packBodies(chunk))
      .then(
        (sent) => {
          this.result.requests += sent.requests;
          this.result.unanswered += sent.unanswered;
          this.result.bytesSent += sent.bytesSent;
          this.result.seriesSent += sent.seriesSent;
          this.result.errors.push(...sent.errors);
        },
        (error: unknown) => {
          this.result.errors.push(`${chunk.length} series not sent: ${describeError(error)}`);
        },
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }
}
