/**
 * One cold start, in a fresh `node` process: require a bundle and run its setup path, then
 * print the in-process times. Run as `node cold-start-child.js <bundle.js> floor|handler`.
 *
 * - `floor`: the floor bundle (bench/floor/clients.ts) constructs its clients when it is required.
 * - `handler`: the collector constructs its clients on the first invocation (`setUp()` in
 *   lambda/handler.ts). The child invokes the handler with a function ARN that has no account
 *   id: the handler loads its configuration and constructs its clients, then stops, before any
 *   network call, at "Cannot read the account id". The parent checks no request reached the
 *   fake endpoints.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RESULT_MARKER, type ColdStartResult } from './protocol';

const SETUP_STOP = 'Cannot read the account id';

async function main(): Promise<ColdStartResult> {
  const [bundlePath, kind] = process.argv.slice(2);
  const load = createRequire(__filename);
  const started = performance.now();
  const loaded = load(resolve(bundlePath)) as Record<string, unknown>;
  const imported = performance.now();
  if (kind === 'floor') {
    const clients = loaded.clients;
    const ok =
      Array.isArray(clients) && clients.length > 0 && clients.every((client) => typeof (client as { send?: unknown }).send === 'function');
    return {
      ok,
      importMs: imported - started,
      setupMs: imported - started,
      ...(ok ? {} : { error: 'the floor bundle exports no SDK clients' }),
    };
  }
  const handler = loaded.handler as (event: unknown, context: unknown) => Promise<unknown>;
  try {
    await handler({}, { invokedFunctionArn: 'arn:aws:lambda:eu-west-1:function-without-account', getRemainingTimeInMillis: () => 120_000 });
    return { ok: false, importMs: imported - started, setupMs: performance.now() - started, error: 'the handler ran past its setup path' };
  } catch (error) {
    const setupMs = performance.now() - started;
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes(SETUP_STOP)) return { ok: true, importMs: imported - started, setupMs };
    return { ok: false, importMs: imported - started, setupMs, error: `the handler stopped elsewhere: ${message.slice(0, 300)}` };
  }
}

main().then(
  (result) =>
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`),
  (error: unknown) => {
    process.stdout.write(`${RESULT_MARKER}${JSON.stringify({ ok: false, importMs: 0, setupMs: 0, error: String(error) })}\n`);
  },
);
