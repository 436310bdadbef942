/**
 * Datadog's body schemas, compiled once for the tests that build bodies: the v2 series payload
 * and the v1 event (`EventCreateRequest`). Validation happens in the tests only: the Lambda
 * bundle does not carry ajv.
 */
import Ajv2020 from 'ajv/dist/2020';
import eventSchema from '../../../fakes/datadog/schemas/event-create-request.schema.json';
import schema from '../../../fakes/datadog/schemas/metric-payload.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);
const validateEvent = ajv.compile(eventSchema);

/** The schema errors of a body, as text; empty when the body is valid. */
export function payloadErrors(body: unknown): string {
  return validate(body) ? '' : ajv.errorsText(validate.errors);
}

/** The schema errors of an event body against `EventCreateRequest`, as text; empty when it is valid. */
export function eventErrors(body: unknown): string {
  return validateEvent(body) ? '' : ajv.errorsText(validateEvent.errors);
}
