/**
 * A run's cap on requests that AWS bills one by one. Every source calling the service shares the
 * run's one cap (Cost Explorer and cost anomalies share `costExplorerMaxRequests`), so the bill
 * of a run is bounded whatever the sources ask for, and a listing that keeps paging stops at the
 * cap instead of paying on.
 */
import { RequestCapError } from './errors';
import type { SettingName } from './settings';

export class RequestCap {
  #used = 0;

  constructor(
    /** The service, as the bill names it: `Cost Explorer`. */
    private readonly service: string,
    /** The most requests the run may make. */
    public readonly max: number,
    /** The setting that sets `max`, named in the error. */
    private readonly setting: SettingName,
  ) {}

  /** Requests taken so far, for the summary and the health metric. */
  public get used(): number {
    return this.#used;
  }

  /**
   * Takes one request before it is made.
   * @throws RequestCapError when the run has made all it may: the caller stops and keeps what it read.
   */
  public take(): void {
    if (this.#used >= this.max) throw new RequestCapError(this.service, this.max, this.setting);
    this.#used += 1;
  }
}
