// Validates the OpenAPI document read from standard input with @seriousme/openapi-schema-validator
// (the official OpenAPI 3.x JSON Schemas) and prints { valid, version, errors } as JSON.
// A separate process because the validator is an ES module, which Jest's CommonJS runtime
// cannot load (tests/openapi.test.ts runs this).
import { Validator } from '@seriousme/openapi-schema-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const validator = new Validator();
const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }));
