import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod/v4';
import { ErrorEnvelope } from '../lib/schemas/envelopes';
import type { SuccessStatus } from '../lib/routes';
import type { DescribedRoute } from './described-routes';
import { ERROR_DESCRIPTIONS, type ErrorStatus } from './error-statuses';
import { operationIdOf } from './path-template';

/**
 * What Strapi 5.54's generator cannot say from a route's `request` and `response`, written into
 * the document it generated (src/openapi/install.ts runs this after it):
 * - an operation whose path has a regular expression moves to its template (`/users/{email}`);
 * - a route Public may use by default may be called without a token;
 * - a success is a 201 where the route says so (the generator writes every `response` as 200);
 * - the errors a route can answer, each with Strapi's error envelope as its body (the generator
 *   lists 400, 401, 403, 404 and 500 on every operation, without a body).
 * Every other operation (other plugins' routes) keeps its own statuses, with the envelope as the
 * body of each error; none of them lists a 500 any more, which the contract rules out. And every
 * `{name}` of a path has its path parameter (the generator declares only those a route's
 * `request.params` names, which some plugin routes leave out).
 */
type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;
type Responses = OpenAPIV3_1.ResponsesObject;
type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'options' | 'head' | 'trace';

const METHODS: readonly Method[] = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const ERROR_ENVELOPE_REF = '#/components/schemas/ErrorEnvelope';
const SUCCESS_DESCRIPTIONS: Record<SuccessStatus, string> = { 200: 'OK', 201: 'Created' };

const errorResponse = (status: ErrorStatus | string): OpenAPIV3_1.ResponseObject => ({
  description: ERROR_DESCRIPTIONS[Number(status) as ErrorStatus] ?? 'Error',
  content: { 'application/json': { schema: { $ref: ERROR_ENVELOPE_REF } } },
});

/** The envelope, converted the way Strapi converts route schemas (JSON Schema 2020-12, as output). */
function errorEnvelopeSchema(): OpenAPIV3_1.SchemaObject {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ErrorEnvelope, { target: 'draft-2020-12', io: 'output' });
  return schema as OpenAPIV3_1.SchemaObject;
}

const isMethod = (key: string): key is Method => (METHODS as readonly string[]).includes(key);

/** Every operation of the document, with the path it is under. */
const operationsOf = (document: Document): Array<[string, Operation]> =>
  Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
    Object.entries(item ?? {}).flatMap(([key, value]): Array<[string, Operation]> => (isMethod(key) ? [[template, value as Operation]] : []))
  );

/** Moves an operation the generator wrote under a cut-apart path to the route's template. */
function takeOperation(document: Document, route: DescribedRoute): Operation {
  const method = route.method.toLowerCase() as Method;
  const paths = (document.paths ??= {});
  const item = paths[route.generatedPath];
  const operation = item?.[method];
  if (!item || !operation) throw new Error(`The generated description has no ${route.method} ${route.generatedPath}`);
  if (route.generatedPath === route.path) return operation;
  delete item[method];
  if (!Object.keys(item).some(isMethod)) delete paths[route.generatedPath];
  paths[route.path] = { ...paths[route.path], [method]: { ...operation, operationId: operationIdOf(route.origin, method, route.path) } };
  return paths[route.path]?.[method] as Operation;
}

function describeRoute(document: Document, route: DescribedRoute): void {
  const operation = takeOperation(document, route);
  // The generator writes the route's `response` as the 200; routes without one (redirects) keep none.
  const success = operation.responses?.['200'];
  const responses: Responses = {};
  if (success && !('$ref' in success) && route.eventStream) {
    const data = (success.content?.['application/json']?.schema ?? {}) as { $ref?: string };
    const name = typeof data.$ref === 'string' ? data.$ref.split('/').pop() : 'the route schema';
    success.content = {
      'text/event-stream': {
        schema: {
          type: 'string',
          description: `Server-Sent Events: \`event: notification\` with a ${name} as JSON data (${data.$ref ?? ''}), and comment lines as heartbeats`,
        },
      },
    };
  }
  if (success && !('$ref' in success)) {
    for (const status of route.successStatuses) responses[status] = { ...success, description: SUCCESS_DESCRIPTIONS[status] };
  }
  for (const status of route.errorStatuses) responses[status] = errorResponse(status);
  operation.responses = responses;
  // An empty requirement is the anonymous alternative to the document's token schemes.
  if (route.tokenOptional) operation.security = [...(document.security ?? []), {}];
}

/** Every error of every operation has the envelope as its body; a 500 is never answered. */
function envelopeEveryError(operation: Operation): void {
  const responses = operation.responses ?? {};
  delete responses['500'];
  for (const status of Object.keys(responses)) if (Number(status) >= 400) responses[status] = errorResponse(status);
}

/** Declares, as a string, each parameter of the path that the operation does not declare. */
function declarePathParameters(template: string, operation: Operation): void {
  const declared = new Set((operation.parameters ?? []).flatMap((parameter) => ('in' in parameter && parameter.in === 'path' ? [parameter.name] : [])));
  for (const [, name] of template.matchAll(/\{([^}]+)\}/g)) {
    if (!declared.has(name)) operation.parameters = [...(operation.parameters ?? []), { name, in: 'path', required: true, schema: { type: 'string' } }];
  }
}

export function correctDocument(document: Document, routes: readonly DescribedRoute[]): void {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ErrorEnvelope: errorEnvelopeSchema() } };
  for (const route of routes) describeRoute(document, route);
  for (const [template, operation] of operationsOf(document)) {
    envelopeEveryError(operation);
    declarePathParameters(template, operation);
  }
}
