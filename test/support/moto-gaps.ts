/**
 * moto with its gaps filled: a forwarding proxy on 127.0.0.1 that sends every request to moto,
 * except the operations the collector calls that moto (5.2) does not implement, which it sends
 * to the project's fake AWS. moto answers those with an HTML 500; AWS answers them with data.
 *
 * Requests are told apart by their `X-Amz-Target` (AWS JSON protocols). The fake AWS answers for
 * the `AccountId` asked, as moto does, from the seed it is given: for `DescribeBudgetNotificationsForAccount`, the notifications of the budgets a test
 * also seeds into moto; for Cost Explorer, the costs and forecast of the seed's `costExplorer`,
 * as the payer account moto's credentials stand for (the fake's own account is moto's default).
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from '../../fakes/loopback';
import { startFakeAws, type FakeAws, type FakeAwsOptions } from '../../fakes/aws/server';

/**
 * The `X-Amz-Target` of each operation the collector calls that moto lacks, or serves only from
 * canned answers: moto's Cost Explorer answers `GetCostAndUsage` from results queued in advance,
 * with no grouping, periods or paging, and has no `GetCostForecast`, `GetAnomalies` or
 * `GetAnomalyMonitors`.
 */
export const MOTO_GAPS: ReadonlySet<string> = new Set([
  'AWSBudgetServiceGateway.DescribeBudgetNotificationsForAccount',
  'AWSInsightsIndexService.GetCostAndUsage',
  'AWSInsightsIndexService.GetCostForecast',
  'AWSInsightsIndexService.GetAnomalies',
  'AWSInsightsIndexService.GetAnomalyMonitors',
]);

export interface MotoWithGaps {
  /** The origin to give the SDK (`AWS_ENDPOINT_URL`) instead of moto's. */
  readonly endpoint: string;
  /** The fake AWS that answers the gaps: its tally and injected errors. */
  readonly fake: FakeAws;
  close(): Promise<void>;
}

/**
 * Starts the proxy in front of the moto at `motoEndpoint`, and the fake AWS behind it.
 * @param seed what the fake answers (its `budgets` with their `Notifications`, its `costExplorer`). @default nothing
 */
export async function startMotoGaps(motoEndpoint: string, seed: FakeAwsOptions = {}): Promise<MotoWithGaps> {
  // moto answers Budgets for any AccountId; so does the fake behind its gaps, whose callers hold moto's keys.
  const fake = await startFakeAws({ ...seed, answerAnyAccountId: true });
  const moto = new URL(motoEndpoint);
  const filled = new URL(fake.endpoint);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => forward(req, res, MOTO_GAPS.has(String(req.headers['x-amz-target'])) ? filled : moto));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    fake,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }).then(() => fake.close());
      return closing;
    },
  };
}

/** Streams the request to `target` and its answer back, as they are. */
function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const out = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`moto gaps proxy: ${target.origin} failed: ${error.message}`);
  });
  req.pipe(out);
}
