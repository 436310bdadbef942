/**
 * The HTTP server under every fake: bound to 127.0.0.1 only (nothing here may ever be reached
 * from outside, or reach a real service), bodies read whole with a cap on what is kept, and
 * answers held back by a fixed latency counted from the end of the request, so that a
 * benchmark sees the same round trip on every call whatever the fake's own work.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** An HTTP answer. */
export interface Reply {
  readonly kind?: 'reply';
  readonly status: number;
  /** Added to (and overriding) `content-type: application/json`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  /** Waited on top of the server's latency: a slow answer, for time-out tests. @default 0 */
  readonly delayMs?: number;
  /** What the request was (an operation name), for the timeline. @default the status */
  readonly label?: string;
  /** Bookkeeping to do once the answer is sent, so that it never delays the answer. */
  readonly after?: () => void;
}

/** Never answer; the socket is destroyed by `close()`. */
export interface Hang {
  readonly kind: 'hang';
}

/** Reset the connection (TCP RST) without answering, as a proxy that drops it does. */
export interface Reset {
  readonly kind: 'reset';
}

/**
 * A long answer, written chunk by chunk as fast as the client reads it: for clients that must
 * stop reading at a bound. Not held in memory, whatever its length.
 */
export interface Stream {
  readonly kind: 'stream';
  readonly status: number;
  /** Added to (and overriding) `content-type: application/json` and the `content-length` of `length`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body's chunks, in order, made as they are written. */
  readonly chunks: Iterable<Buffer>;
  /** Bytes the chunks add up to. */
  readonly length: number;
  readonly label?: string;
  /** Called once the connection is done with: the bytes written, and whether the whole body was. */
  readonly ended?: (written: number, complete: boolean) => void;
}

/** What a handler does with one request. */
export type Answer = Reply | Hang | Reset | Stream;

/** A request body: at most `maxBodyBytes` of it kept, all of it counted. */
export interface Body {
  /** The bytes kept; shorter than `length` when the body was over the cap. */
  readonly bytes: Buffer;
  /** Bytes received. */
  readonly length: number;
}

/** One request as the server saw it, in ms on this process's clock (`performance.now()`). */
export interface TimelineEntry {
  readonly label: string;
  /** When the request arrived (its headers). */
  readonly start: number;
  /** When the answer was sent. */
  readonly end: number;
}

/** Options of {@link startLoopbackServer}. */
export interface LoopbackOptions {
  /** Milliseconds from the end of a request to its answer. @default 0 */
  readonly latencyMs?: number;
  /** Body bytes kept for the handler; the rest is counted, not kept. */
  readonly maxBodyBytes: number;
  /**
   * Called when a request's headers arrive, before its body is read: a fake that queues
   * behaviours takes one here, so that requests sent at once take them in arrival order.
   */
  readonly arrived?: (request: IncomingMessage) => void;
  /** Decides the answer once the whole body is read. Its own time is spent inside the latency. */
  readonly handle: (request: IncomingMessage, body: Body) => Answer | Promise<Answer>;
}

/** A running loopback server. */
export interface LoopbackServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly origin: string;
  /** The added latency, changeable between phases of a run. */
  latencyMs: number;
  /** Largest amount by which the handler's own work overran the latency (harness overhead). */
  overrunMs(): number;
  resetOverrun(): void;
  /** The requests answered since the last call. */
  takeTimeline(): TimelineEntry[];
  /** Stops listening and destroys every socket, hung and idle ones included. Safe to call twice. */
  close(): Promise<void>;
}

/** Timeline entries kept between two `takeTimeline()` calls: bounds memory in a long demo. */
const MAX_TIMELINE_ENTRIES = 100_000;

/** Starts a server on 127.0.0.1, on a port the system picks. */
export async function startLoopbackServer(options: LoopbackOptions): Promise<LoopbackServer> {
  const state = { latencyMs: options.latencyMs ?? 0, overrunMs: 0, timeline: [] as TimelineEntry[] };
  const timers = new Set<NodeJS.Timeout>();
  let closing: Promise<void> | undefined;

  const later = (ms: number, run: () => void): void => {
    if (ms <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  const answer = (request: IncomingMessage, response: ServerResponse, arrivedAt: number, receivedAt: number, result: Answer): void => {
    const worked = performance.now() - receivedAt;
    state.overrunMs = Math.max(state.overrunMs, worked - state.latencyMs);
    if (result.kind === 'hang') return;
    if (result.kind === 'reset') {
      request.socket.resetAndDestroy();
      return;
    }
    if (result.kind === 'stream') {
      later(state.latencyMs - worked, () => {
        if (closing === undefined && !response.destroyed) stream(response, result);
      });
      return;
    }
    later(state.latencyMs - worked + (result.delayMs ?? 0), () => {
      if (closing !== undefined || response.destroyed) return;
      response.writeHead(result.status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(result.body)),
        ...result.headers,
      });
      response.end(result.body);
      if (state.timeline.length < MAX_TIMELINE_ENTRIES) {
        state.timeline.push({ label: result.label ?? String(result.status), start: arrivedAt, end: performance.now() });
      }
      if (result.after !== undefined) setImmediate(result.after);
    });
  };

  const server = createServer((request, response) => {
    const arrivedAt = performance.now();
    options.arrived?.(request);
    const chunks: Buffer[] = [];
    let length = 0;
    request.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= options.maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      const receivedAt = performance.now();
      const failed = (error: unknown): Answer => ({
        status: 500,
        body: JSON.stringify({ errors: [`fake server failure: ${error instanceof Error ? error.message : String(error)}`] }),
      });
      let result: Answer | Promise<Answer>;
      try {
        result = options.handle(request, { bytes: Buffer.concat(chunks), length });
      } catch (error) {
        result = failed(error);
      }
      // A synchronous handler is answered in the same tick: a promise would add a turn of the
      // event loop to every call the benchmark times.
      if (result instanceof Promise) {
        result.then(
          (settled) => answer(request, response, arrivedAt, receivedAt, settled),
          (error: unknown) => answer(request, response, arrivedAt, receivedAt, failed(error)),
        );
      } else {
        answer(request, response, arrivedAt, receivedAt, result);
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  const port = await listenOnLoopback(server);
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(value: number) {
      state.latencyMs = value;
    },
    overrunMs: () => state.overrunMs,
    resetOverrun: () => {
      state.overrunMs = 0;
    },
    takeTimeline: () => {
      const taken = state.timeline;
      state.timeline = [];
      return taken;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        // server.close() only stops accepting; open sockets (keep-alive, hung requests) would
        // keep it waiting, possibly for ever. Destroy them.
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Writes a streamed answer, waiting for the client to read each chunk, until it ends or the client goes. */
function stream(response: ServerResponse, answer: Stream): void {
  response.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': String(answer.length), ...answer.headers });
  const chunks = answer.chunks[Symbol.iterator]();
  let written = 0;
  // A client that closes early makes the next write fail: that is the point, not an error.
  response.on('error', () => undefined);
  response.once('close', () => answer.ended?.(written, response.writableFinished));
  const pump = (): void => {
    while (!response.destroyed) {
      const next = chunks.next();
      if (next.done === true) {
        response.end();
        return;
      }
      written += next.value.length;
      if (!response.write(next.value)) {
        response.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** Starts `server` on a free port of 127.0.0.1 (never another interface) and returns the port. */
export async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
