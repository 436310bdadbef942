/**
 * Series sent as they are built, for runs whose series would not fit in memory at once (an
 * organization of thousands of accounts): each series is encoded once and gathered until the
 * next one would overflow a body, and that full body is handed to the submitter, with at most a
 * few bodies on their way. An `add` waits while that many are in flight, so the series held stay
 * bounded whatever the number of accounts, and the run makes as few requests as full bodies allow.
 */
import { describeError } from '../errors';
import { BODY_FRAME_BYTES, bodiesOfEncoded, MAX_UNCOMPRESSED_BYTES, type Body } from './payload';
import type { MetricSeries } from './series';
import type { SubmitResult } from './submit';

export interface SeriesQueueOptions {
  /** The largest body, uncompressed. @default Datadog's limit, MAX_UNCOMPRESSED_BYTES */
  readonly maxBodyBytes?: number;
  /** Bodies being sent at once. @default 2 */
  readonly maxInFlight?: number;
}

export class SeriesQueue {
  private waiting: string[] = [];
  private waitingBytes = BODY_FRAME_BYTES;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly result = { requests: 0, unanswered: 0, bytesSent: 0, seriesSent: 0, errors: [] as string[] };

  /** @param submit sends bodies; it reports failures in its result rather than throwing (`submitBodies`). */
  constructor(
    private readonly submit: (bodies: readonly Body[]) => Promise<SubmitResult>,
    private readonly options: SeriesQueueOptions = {},
  ) {}

  /** Queues series; sends each body as it fills, waiting while the bodies in flight are at their bound. */
  public async add(series: readonly MetricSeries[]): Promise<void> {
    const limit = this.options.maxBodyBytes ?? MAX_UNCOMPRESSED_BYTES;
    for (const item of series) {
      const encoded = JSON.stringify(item);
      const bytes = Buffer.byteLength(encoded);
      // A comma joins it to the series before it.
      if (this.waiting.length > 0 && this.waitingBytes + 1 + bytes > limit) await this.flush();
      this.waitingBytes += bytes + (this.waiting.length > 0 ? 1 : 0);
      this.waiting.push(encoded);
    }
  }

  /** Sends what is waiting and waits for every body: the totals of the run. */
  public async finish(): Promise<SubmitResult> {
    if (this.waiting.length > 0) await this.flush();
    await Promise.all(this.inFlight);
    return this.result;
  }

  private async flush(): Promise<void> {
    const body = this.waiting;
    this.waiting = [];
    this.waitingBytes = BODY_FRAME_BYTES;
    // Checked again after each wait: another account's body may have taken the slot that freed.
    while (this.inFlight.size >= (this.options.maxInFlight ?? 2)) await Promise.race(this.inFlight);
    const sending: Promise<void> = this.submit(bodiesOfEncoded(body))
      .then(
        (sent) => {
          this.result.requests += sent.requests;
          this.result.unanswered += sent.unanswered;
          this.result.bytesSent += sent.bytesSent;
          this.result.seriesSent += sent.seriesSent;
          this.result.errors.push(...sent.errors);
        },
        (error: unknown) => {
          this.result.errors.push(`${body.length} series not sent: ${describeError(error)}`);
        },
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }
}
