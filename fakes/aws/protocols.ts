/**
 * The AWS wire protocols the fake AWS speaks, one per family of services: a service names its
 * protocol, and the server routes each request to the service whose protocol recognises it.
 *
 * - AWS JSON (1.0, 1.1): a POST whose `X-Amz-Target` header is `<prefix>.<Operation>`, a JSON body
 *   in and out, the error type in `__type` and `x-amzn-errortype`.
 * - AWS Query (STS): a POST of a form (`Action=<Operation>&Version=<date>&...`), an XML answer
 *   `<Operation>Response/<Operation>Result`, errors as an XML `ErrorResponse`.
 */
import type { Body } from '../loopback';
import { AwsError, type OperationInput, type WireProtocol } from './service';

/** Options of {@link awsJson}. */
export interface AwsJsonOptions {
  /** The part of `X-Amz-Target` before the dot, e.g. `AWSBudgetServiceGateway`. */
  readonly targetPrefix: string;
  /** The `application/x-amz-json-<version>` content type. */
  readonly version: '1.0' | '1.1';
  /**
   * The service answers JSON but its SDK client was generated with `awsQueryCompatible`
   * (CloudWatch): error answers then carry the query error code in `x-amzn-query-error`.
   * @default false
   */
  readonly queryCompatible?: boolean;
}

/** AWS JSON 1.0 or 1.1, routed by `X-Amz-Target`. */
export function awsJson(options: AwsJsonOptions): WireProtocol {
  const prefix = `${options.targetPrefix}.`;
  const contentType = `application/x-amz-json-${options.version}`;
  return {
    operationOf: (request) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      return target.startsWith(prefix) && target.length > prefix.length ? target.slice(prefix.length) : undefined;
    },
    input: (body) => {
      try {
        return JSON.parse(body.bytes.toString('utf8') || '{}') as OperationInput;
      } catch {
        throw new AwsError('SerializationException', 'The request body is not JSON');
      }
    },
    success: (_operation, output, requestId) => ({
      headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
      body: output,
    }),
    failure: (_operation, error, requestId) => ({
      headers: {
        'content-type': contentType,
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': error.type,
        ...(options.queryCompatible === true ? { 'x-amzn-query-error': `${error.type};${faultOf(error)}` } : {}),
      },
      body: JSON.stringify({ __type: error.type, message: error.message, Message: error.message }),
    }),
  };
}

/** Options of {@link awsQuery}. */
export interface AwsQueryOptions {
  /** The API version every request carries in `Version`, e.g. `2011-06-15` for STS. */
  readonly version: string;
  /** The XML namespace of the answers, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`. */
  readonly xmlns: string;
}

/** The AWS Query protocol: a form body in, XML out. Requests are recognised by their `Version`. */
export function awsQuery(options: AwsQueryOptions): WireProtocol {
  return {
    operationOf: (request, body) => {
      if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return undefined;
      const form = formOf(body);
      return form.get('Version') === options.version ? (form.get('Action') ?? undefined) : undefined;
    },
    input: (body) => Object.fromEntries(formOf(body)),
    success: (operation, output, requestId) => ({
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<${operation}Response xmlns="${options.xmlns}"><${operation}Result>${output}</${operation}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
    }),
    failure: (_operation, error, requestId) => ({
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse xmlns="${options.xmlns}"><Error><Type>${faultOf(error)}</Type><Code>${xmlText(error.type)}</Code>` +
        `<Message>${xmlText(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    }),
  };
}

/** Text made safe inside an XML element. */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function formOf(body: Body): URLSearchParams {
  return new URLSearchParams(body.bytes.toString('utf8'));
}

/** Whose fault AWS says an error is: the caller's below 500. */
function faultOf(error: AwsError): 'Sender' | 'Receiver' {
  return error.status < 500 ? 'Sender' : 'Receiver';
}
