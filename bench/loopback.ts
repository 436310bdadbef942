/**
 * Small helpers for the benchmark's fake servers: bound to 127.0.0.1 only, bodies read with a
 * size cap, answers held back by a fixed latency counted from the end of the request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface Answer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
  /** Bookkeeping to do once the answer is sent, so that it never delays the answer. */
  readonly after?: () => void;
  /** What the request was (an operation name), for the timeline. */
  readonly label?: string;
}

/** One request as the server saw it, in ms on the benchmark process's clock (performance.now()). */
export interface TimelineEntry {
  readonly label: string;
  /** When the request arrived (its headers). */
  readonly start: number;
  /** When the answer was sent. */
  readonly end: number;
}

export interface LoopbackServer {
  readonly port: number;
  readonly origin: string;
  /** The added latency, changeable between phases. */
  latencyMs: number;
  /** Largest amount by which the server's own work overran the latency (harness overhead). */
  readonly overrunMs: () => number;
  resetOverrun(): void;
  /** The requests answered since the last call. */
  takeTimeline(): TimelineEntry[];
  close(): Promise<void>;
}

/** Thrown by a handler for a body over the cap; answered 413. */
export class BodyTooLarge extends Error {
  public override readonly name = 'BodyTooLarge';
}

/**
 * Starts a server whose handler gets the whole body and returns the answer. The answer is sent
 * `latencyMs` after the request ended: the handler's own work runs inside that window, so a
 * fixed latency is what the client sees as long as the work is shorter than the latency.
 */
export async function startLoopbackServer(
  latencyMs: number,
  maxBodyBytes: number,
  handle: (request: IncomingMessage, body: Buffer) => Answer,
): Promise<LoopbackServer> {
  const state = { latencyMs, overrunMs: 0, timeline: [] as TimelineEntry[] };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const receivedAt = performance.now();
      let answer: Answer;
      try {
        if (tooLarge) throw new BodyTooLarge(`body over ${maxBodyBytes} bytes`);
        answer = handle(request, Buffer.concat(chunks));
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        answer = { status: error instanceof BodyTooLarge ? 413 : 500, body: JSON.stringify({ errors: [message] }) };
      }
      const worked = performance.now() - receivedAt;
      state.overrunMs = Math.max(state.overrunMs, worked - state.latencyMs);
      const send = (): void => {
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(answer.body);
        state.timeline.push({ label: answer.label ?? `${answer.status}`, start: arrivedAt, end: performance.now() });
        if (answer.after !== undefined) setImmediate(answer.after);
      };
      const wait = state.latencyMs - worked;
      if (wait > 0) setTimeout(send, wait);
      else send();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
