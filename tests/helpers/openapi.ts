import { execFileSync } from 'node:child_process';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenAPIV3_1 } from 'openapi-types';

export type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;

/** The operation of a method on a path template, if the document describes it. */
export function operationOf(document: Document, method: string, template: string): Operation | undefined {
  const item = document.paths?.[template] as Record<string, Operation | undefined> | undefined;
  return item?.[method.toLowerCase()];
}

/** The standard validator's verdict (tests/helpers/validate-openapi.mjs, in its own process). */
export function validateDocument(document: Document): { valid: boolean; version: string; errors: unknown[] } {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'validate-openapi.mjs')], { input: JSON.stringify(document) });
  return JSON.parse(output.toString('utf8'));
}

const DOCUMENT_ID = 'openapi.json';
const pointer = (...tokens: string[]): string => tokens.map((token) => `/${token.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * Checks real answers against the response schemas of the served document: the status must be
 * one the operation describes, and the JSON body must match its schema ($refs into
 * components.schemas resolve inside the document). Returns what is wrong, [] when nothing is.
 */
export function answerChecker(document: Document) {
  // Not strict: the document carries OpenAPI keywords (paths, x-strapi-…) around the schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document as object, DOCUMENT_ID);
  return (method: string, template: string, answer: { status: number; body: unknown }): string[] => {
    const where = `${method} ${template} → ${answer.status}`;
    const response = operationOf(document, method, template)?.responses?.[String(answer.status)];
    if (!response) return [`${where}: the description has no such answer`];
    if (!('content' in response) || !response.content?.['application/json']) return [`${where}: no JSON body is described`];
    const schemaPath = pointer('paths', template, method.toLowerCase(), 'responses', String(answer.status), 'content', 'application/json', 'schema');
    const validate = ajv.getSchema(`${DOCUMENT_ID}#${schemaPath}`);
    if (!validate) return [`${where}: the schema cannot be compiled`];
    if (validate(answer.body)) return [];
    return (validate.errors ?? []).map((error) => `${where}: ${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  };
}
