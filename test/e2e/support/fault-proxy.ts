/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of moto, for what moto cannot do: throttle,
 * deny access, answer slowly, answer with a field AWS may leave out, or answer with a body that is
 * not AWS's JSON at all.
 *
 * The AWS SDK clients reach it through `AWS_ENDPOINT_URL`. Every request is matched by its
 * operation, the `X-Amz-Target` header of the AWS JSON protocols, such as
 * `AWSBudgetServiceGateway.DescribeBudgets`, `GraniteServiceVersion20100801.ListMetrics` or
 * `secretsmanager.GetSecretValue`. STS speaks the AWS Query protocol instead (a form body,
 * `Action=AssumeRole&Version=2011-06-15&RoleArn=...`, answered in XML): its requests are named
 * as the service's shape would name them in `X-Amz-Target`
 * (`AWSSecurityTokenServiceV20110615.AssumeRole`), and their form fields are the request's
 * parameters. A matching rule answers in moto's place (an AWS error, in the request's protocol),
 * delays the request, or rewrites moto's answer. Anything else is forwarded as is.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { xmlText } from '../../../fakes/aws/protocols';
import { listenOnLoopback } from '../../../fakes/loopback';

/** `X-Amz-Target` values of the operations the collector calls. */
export const TARGETS = {
  describeBudgets: 'AWSBudgetServiceGateway.DescribeBudgets',
  listMetrics: 'GraniteServiceVersion20100801.ListMetrics',
  getMetricData: 'GraniteServiceVersion20100801.GetMetricData',
  getSecretValue: 'secretsmanager.GetSecretValue',
  describeBudgetNotifications: 'AWSBudgetServiceGateway.DescribeBudgetNotificationsForAccount',
  assumeRole: 'AWSSecurityTokenServiceV20110615.AssumeRole',
  listAccounts: 'AWSOrganizationsV20161128.ListAccounts',
  listTagsForResource: 'AWSOrganizationsV20161128.ListTagsForResource',
} as const;

/**
 * The services that speak AWS Query, by the `Version` of their forms, and the name of their
 * Smithy service shape, which names their operations as the JSON protocols' `X-Amz-Target` does.
 */
const QUERY_SERVICES: Readonly<Record<string, { readonly shape: string; readonly xmlns: string }>> = {
  '2011-06-15': { shape: 'AWSSecurityTokenServiceV20110615', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/' },
};

/**
 * An AWS error answer: a JSON body for the AWS JSON protocols, an XML `ErrorResponse` for AWS
 * Query (STS), as each service sends it.
 */
export interface AwsErrorAnswer {
  readonly kind: 'error';
  readonly status: number;
  /** The `__type` of a JSON body, e.g. `ThrottlingException`; the `Code` of an XML one, e.g. `AccessDenied`. */
  readonly type: string;
  readonly message: string;
  /**
   * `x-amzn-query-error: <Code>;<Sender|Receiver>`: services that moved from the query protocol
   * to JSON (CloudWatch, "awsQueryCompatible") send the old error code in this header, and the
   * SDK names the error after it (so `Throttling`, not `ThrottlingException`).
   */
  readonly queryError?: string;
}

/** Forward the request after a delay; the client's own timeout or abort signal may win. */
export interface DelayAnswer {
  readonly kind: 'delay';
  readonly ms: number;
}

/** Forward the request, then replace moto's JSON answer (a 2xx only) with `rewrite`'s result. */
export interface RewriteAnswer {
  readonly kind: 'rewrite';
  readonly rewrite: (response: Record<string, unknown>, request: Record<string, unknown>) => Record<string, unknown>;
  /** Rewrites the request's JSON before it is forwarded (moto does not check the signature). @default as it is */
  readonly rewriteRequest?: (request: Record<string, unknown>) => Record<string, unknown>;
}

/**
 * Answer in moto's place with a 200 and this body as it is: what a broken proxy or endpoint may
 * send, such as the bare secret instead of the API's JSON.
 */
export interface RawAnswer {
  readonly kind: 'raw';
  readonly body: string;
}

export type FaultAnswer = AwsErrorAnswer | DelayAnswer | RewriteAnswer | RawAnswer;

export interface FaultRule {
  /** The `X-Amz-Target` to match (see {@link TARGETS}; AWS Query operations are named alike). */
  readonly target: string;
  /** Matches only requests whose parameters (the JSON body, or the query form's fields) pass this. @default every request */
  readonly when?: (parameters: Record<string, unknown>) => boolean;
  readonly answer: FaultAnswer;
  /** How many matching requests the rule applies to, then it is spent. @default every one */
  readonly times?: number;
}

/** One request the proxy saw. */
export interface ProxiedRequest {
  /** `X-Amz-Target`, or for an AWS Query request the same name made from its service and `Action`. */
  readonly target: string | undefined;
  /** Region and service of the SigV4 credential scope (`Authorization: ... Credential=<id>/<date>/<region>/<service>/...`). */
  readonly signedFor: { readonly region: string; readonly service: string } | undefined;
  /** The rule's answer kind, or `forwarded`. */
  readonly handling: FaultAnswer['kind'] | 'forwarded';
  /** The status returned to the client; `undefined` when the client went away first. */
  readonly status: number | undefined;
  /** The JSON body, or the query form's fields. */
  readonly body: Record<string, unknown> | undefined;
}

export interface FaultProxy {
  /** Origin for `AWS_ENDPOINT_URL`, e.g. `http://127.0.0.1:40125`. */
  readonly url: string;
  readonly requests: readonly ProxiedRequest[];
  /** Add rules, checked in the order added; a spent rule no longer matches. */
  inject(...rules: FaultRule[]): void;
  /** Requests seen for one target. */
  count(target: string): number;
  /** Forget rules and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** Errors shaped as each service sends them. */
export const awsErrors = {
  /** What Budgets and Secrets Manager (AWS JSON 1.1) answer when throttling. */
  throttling: (): AwsErrorAnswer => ({ kind: 'error', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' }),
  accessDenied: (action: string): AwsErrorAnswer => ({
    kind: 'error',
    status: 400,
    type: 'AccessDeniedException',
    message: `User: arn:aws:sts::123456789012:assumed-role/billing-collector/billing-collector is not authorized to perform: ${action}`,
  }),
  /** CloudWatch over JSON 1.0 keeps its query-protocol error codes in `x-amzn-query-error`. */
  cloudWatchThrottling: (): AwsErrorAnswer => ({
    kind: 'error',
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate exceeded',
    queryError: 'Throttling;Sender',
  }),
  cloudWatchAccessDenied: (action: string): AwsErrorAnswer => ({
    kind: 'error',
    status: 400,
    type: 'com.amazon.coral.service#AccessDeniedException',
    message: `User: arn:aws:sts::123456789012:assumed-role/billing-collector/billing-collector is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
    queryError: 'AccessDenied;Sender',
  }),
  /**
   * STS refusing `AssumeRole`, as it answers a role that does not exist or does not trust the
   * caller: 403, `AccessDenied` (moto lets anyone assume any role, AWS-FACTS.md).
   */
  assumeRoleDenied: (roleArn: string): AwsErrorAnswer => ({
    kind: 'error',
    status: 403,
    type: 'AccessDenied',
    message: `User: arn:aws:sts::123456789012:assumed-role/billing-collector/billing-collector is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
  }),
} as const;

/**
 * A rule that refuses `AssumeRole` into `roleArn` (the collector's member role in one account),
 * as STS refuses a role that is missing or does not trust the caller.
 */
export function refuseAssumeRole(roleArn: string, times?: number): FaultRule {
  return {
    target: TARGETS.assumeRole,
    when: (parameters) => parameters.RoleArn === roleArn,
    answer: awsErrors.assumeRoleDenied(roleArn),
    ...(times === undefined ? {} : { times }),
  };
}

/**
 * A rewrite that pages DescribeBudgets as AWS does, which moto does not: it answers every budget
 * at once. Each page holds at most `min(MaxResults, pageSize)` budgets, and `NextToken` is the
 * offset of the next one.
 */
export function pageDescribeBudgets(pageSize: number): RewriteAnswer {
  return {
    kind: 'rewrite',
    rewrite: (response, request) => {
      const all = (response.Budgets as unknown[] | undefined) ?? [];
      const start = request.NextToken === undefined ? 0 : Number(request.NextToken);
      const size = Math.min(Number(request.MaxResults ?? 100), pageSize);
      const end = start + size;
      const page: Record<string, unknown> = { ...response, Budgets: all.slice(start, end) };
      delete page.NextToken;
      if (end < all.length) page.NextToken = String(end);
      return page;
    },
  };
}

/**
 * A rewrite that gives every page a next-page token, a new one each time: a listing without end,
 * as an AWS fault or a broken proxy could answer. The tokens are the proxy's own, so they are
 * taken off the next request and moto answers its first page again.
 */
export function endlessPages(): RewriteAnswer {
  let page = 0;
  return { kind: 'rewrite', rewrite: (response) => ({ ...response, NextToken: `endless-${(page += 1)}` }), rewriteRequest: withoutToken };
}

/** A rewrite that gives every page the same next-page token: a listing that loops. */
export function repeatedToken(): RewriteAnswer {
  return { kind: 'rewrite', rewrite: (response) => ({ ...response, NextToken: 'the-same-page-again' }), rewriteRequest: withoutToken };
}

function withoutToken(request: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...request };
  delete rest.NextToken;
  return rest;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  let rules: { rule: FaultRule; left: number }[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`fault proxy failure: ${String(error)}`);
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readAll(req);
    const query = queryRequest(req.headers, raw);
    const amzTarget = query?.target ?? header(req.headers, 'x-amz-target');
    const body = query?.parameters ?? parseJsonObject(raw);
    const match = rules.find(
      (r) => r.left > 0 && r.rule.target === amzTarget && (r.rule.when === undefined || (body !== undefined && r.rule.when(body))),
    );
    if (match !== undefined) match.left -= 1;
    const answer = match?.rule.answer;
    const record: { -readonly [K in keyof ProxiedRequest]: ProxiedRequest[K] } = {
      target: amzTarget,
      signedFor: credentialScope(header(req.headers, 'authorization')),
      handling: answer?.kind ?? 'forwarded',
      status: undefined,
      body,
    };
    requests.push(record);

    if (answer?.kind === 'error' && query !== undefined) {
      // STS's ErrorResponse: the SDK's AWS Query deserializer names the error after its Code.
      const text =
        `<ErrorResponse xmlns="${query.xmlns}"><Error><Type>${answer.status < 500 ? 'Sender' : 'Receiver'}</Type>` +
        `<Code>${xmlText(answer.type)}</Code><Message>${xmlText(answer.message)}</Message></Error>` +
        `<RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>`;
      res.writeHead(answer.status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
      });
      res.end(text);
      record.status = answer.status;
      return;
    }
    if (answer?.kind === 'error') {
      const text = JSON.stringify({ __type: answer.type, message: answer.message });
      res.writeHead(answer.status, {
        // CloudWatch speaks AWS JSON 1.0; Budgets and Secrets Manager 1.1.
        'content-type': `application/x-amz-json-${amzTarget?.startsWith('GraniteServiceVersion') ? '1.0' : '1.1'}`,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
        ...(answer.queryError === undefined ? {} : { 'x-amzn-query-error': answer.queryError }),
      });
      res.end(text);
      record.status = answer.status;
      return;
    }
    if (answer?.kind === 'raw') {
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'content-length': Buffer.byteLength(answer.body),
        'x-amzn-requestid': '00000000-0000-4000-8000-000000000000',
      });
      res.end(answer.body);
      record.status = 200;
      return;
    }
    if (answer?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, answer.ms);
        timers.add(timer);
        // The client gave up (abort signal, timeout): nothing left to forward.
        res.once('close', () => {
          clearTimeout(timer);
          timers.delete(timer);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    }

    if (answer?.kind === 'rewrite' && query !== undefined) throw new Error(`cannot rewrite an AWS Query (XML) answer to ${amzTarget}`);
    const forwarded =
      answer?.kind === 'rewrite' && answer.rewriteRequest && body ? Buffer.from(JSON.stringify(answer.rewriteRequest(body))) : raw;
    const upstreamAnswer = await forward(req, forwarded);
    let responseBody = upstreamAnswer.body;
    if (answer?.kind === 'rewrite' && upstreamAnswer.status >= 200 && upstreamAnswer.status < 300) {
      const parsed = parseJsonObject(responseBody);
      if (parsed === undefined) throw new Error(`cannot rewrite a non-JSON answer to ${amzTarget}`);
      responseBody = Buffer.from(JSON.stringify(answer.rewrite(parsed, body ?? {})));
    }
    const headers = { ...upstreamAnswer.headers };
    delete headers['transfer-encoding'];
    delete headers['content-encoding'];
    headers['content-length'] = String(responseBody.length);
    if (res.destroyed) return;
    res.writeHead(upstreamAnswer.status, headers);
    res.end(responseBody);
    record.status = upstreamAnswer.status;
  }

  function forward(req: IncomingMessage, raw: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, 'content-length': String(raw.length) };
      delete headers['transfer-encoding'];
      const out = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, timeout: 60_000 },
        (answer) => {
          readAll(answer).then((body) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body }), reject);
        },
      );
      out.on('timeout', () => out.destroy(new Error('moto did not answer within 60 s')));
      out.on('error', reject);
      out.end(raw);
    });
  }

  const port = await listenOnLoopback(server);
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    inject(...added) {
      for (const rule of added) rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY });
    },
    count(amzTarget) {
      return requests.filter((r) => r.target === amzTarget).length;
    },
    reset() {
      rules = [];
      requests.length = 0;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function credentialScope(authorization: string | undefined): ProxiedRequest['signedFor'] {
  const match = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(authorization ?? '');
  return match === null ? undefined : { region: match[1], service: match[2] };
}

/** An AWS Query request (a form of a service in {@link QUERY_SERVICES}): its name, its fields and its answers' XML namespace. */
function queryRequest(
  headers: IncomingHttpHeaders,
  raw: Buffer,
): { target: string; parameters: Record<string, unknown>; xmlns: string } | undefined {
  if (!(header(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
  const form = new URLSearchParams(raw.toString('utf8'));
  const service = QUERY_SERVICES[form.get('Version') ?? ''];
  const action = form.get('Action');
  if (service === undefined || action === null) return undefined;
  return { target: `${service.shape}.${action}`, parameters: Object.fromEntries(form), xmlns: service.xmlns };
}

function parseJsonObject(raw: Buffer): Record<string, unknown> | undefined {
  if (raw.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
