/* global require, process, Buffer, setTimeout, clearTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS script: require() is how it loads anything, the bundle included */
'use strict';
/**
 * A minimal stand-in for Lambda's Node.js runtime, run as its own process: it loads the bundled
 * handler once (the init phase), then runs one invocation per request line read from stdin,
 * one after another, in the same process (a warm execution environment).
 *
 *   node tools/lambda-runner.cjs <bundle.js> <handler export> <function ARN>
 *
 * stdin:  one JSON request per line: {"id": 1, "timeoutMs": 120000, "event": {}}
 * fd 3:   one JSON line per init and per invocation, and nothing else:
 *         {"type":"init","ok":true} | {"type":"init","ok":false,"error":{...}}
 *         {"type":"invocation","id":1,"status":"resolved"|"threw"|"timed_out","value"?,"error"?,
 *          "durationMs":..,"stdoutBytes":..,"stderrBytes":..}
 * stdout, stderr: the function's own, untouched. The byte counts in each record say how much
 * of them was written when the invocation ended, so the caller can tell which lines belong to it.
 *
 * Like Lambda, an invocation that outlives its timeout is abandoned and the environment is
 * discarded: the record says "timed_out" and the process exits.
 */
const { writeSync } = require('node:fs');
const { randomUUID } = require('node:crypto');
const readline = require('node:readline');

const [bundleFile, handlerExport, functionArn] = process.argv.slice(2);
const OUTCOME_FD = 3;

const written = { stdout: 0, stderr: 0 };
for (const name of ['stdout', 'stderr']) {
  const stream = process[name];
  const write = stream.write.bind(stream);
  stream.write = (chunk, encoding, callback) => {
    written[name] += typeof chunk === 'string' ? Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk.length;
    return write(chunk, encoding, callback);
  };
}

function report(record) {
  writeSync(OUTCOME_FD, `${JSON.stringify(record)}\n`);
}

function describe(error) {
  if (error instanceof Error) {
    const extra = {};
    // Typed errors carry their details as fields (CollectionError.errors, DatadogSubmitError.status).
    for (const [key, value] of Object.entries(error)) {
      if (key !== 'cause' && typeof value !== 'function') extra[key] = value;
    }
    return { name: error.name, message: error.message, stack: error.stack, ...extra };
  }
  return { name: typeof error, message: String(error) };
}

let handler;
try {
  handler = require(bundleFile)[handlerExport];
  if (typeof handler !== 'function') throw new Error(`${bundleFile} exports no function "${handlerExport}"`);
  report({ type: 'init', ok: true });
} catch (error) {
  report({ type: 'init', ok: false, error: describe(error) });
  process.exit(1);
}

const functionName = functionArn.split(':')[6];

async function invoke(request) {
  const started = Date.now();
  const deadline = started + request.timeoutMs;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'e2e',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const finish = (fields) =>
    report({
      type: 'invocation',
      id: request.id,
      ...fields,
      durationMs: Date.now() - started,
      stdoutBytes: written.stdout,
      stderrBytes: written.stderr,
    });

  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timed_out' }), request.timeoutMs);
  });
  const ran = Promise.resolve()
    .then(() => handler(request.event ?? {}, context))
    .then(
      (value) => ({ status: 'resolved', value: value === undefined ? null : value }),
      (error) => ({ status: 'threw', error: describe(error) }),
    );
  const outcome = await Promise.race([ran, timedOut]);
  clearTimeout(timer);
  finish(outcome);
  if (outcome.status === 'timed_out') process.exit(0);
}

let queue = Promise.resolve();
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  const request = JSON.parse(line);
  queue = queue.then(() => invoke(request));
});
lines.on('close', () => {
  // The caller is done: end once the last invocation has reported, whatever is still pending
  // (a frozen Lambda environment does not run its leftover timers either).
  queue.then(() => process.exit(0));
});
