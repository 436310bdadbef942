/**
 * The Datadog v2 series payload schema, compiled once for the tests that build bodies.
 * Validation happens in the tests only: the Lambda bundle does not carry ajv.
 */
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../../fakes/datadog/schemas/metric-payload.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

/** The schema errors of a body, as text; empty when the body is valid. */
export function payloadErrors(body: unknown): string {
  return validate(body) ? '' : ajv.errorsText(validate.errors);
}
