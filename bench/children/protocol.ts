/** Messages between the benchmark and its child processes. */

/** The line prefix a cold-start child writes its result after, on stdout. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** What the cold-start child measures inside its process. */
export interface ColdStartResult {
  readonly ok: boolean;
  /** From just before `require(bundle)` to just after it returned. */
  readonly importMs: number;
  /** From just before `require(bundle)` to clients constructed (the setup path finished). */
  readonly setupMs: number;
  /** Peak RSS of the process once set up, in bytes. */
  readonly maxRssBytes?: number;
  readonly error?: string;
}

/** Parent to scale child. */
export type ScaleCommand =
  | {
      readonly type: 'invoke';
      readonly label: string;
      /** When set, the invocation runs under V8's sampling profiler and its CPU profile is written to this file. */
      readonly profileTo?: string;
    }
  | { readonly type: 'finish' };

/** Scale child to parent. */
export type ScaleEvent =
  | { readonly type: 'ready'; readonly importMs: number }
  | {
      readonly type: 'invoked';
      readonly label: string;
      readonly durationMs: number;
      /** CPU time (user + system) of the child during the invocation: less sensitive to a busy machine than wall time. */
      readonly cpuMs: number;
      readonly ok: boolean;
      readonly error?: string;
      /** The handler's returned run summary (the collector's own view of its calls). */
      readonly summary?: unknown;
      readonly rssBytes: number;
    }
  | { readonly type: 'finished'; readonly maxRssBytes: number; readonly vmHwmBytes?: number };
