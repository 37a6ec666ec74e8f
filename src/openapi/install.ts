import type { Core } from '@strapi/strapi';
import openapi = require('@strapi/openapi');
import { correctDocument } from './correct-document';
import { describedRoutes } from './described-routes';

/**
 * Hooks our corrections (./correct-document.ts) into Strapi's OpenAPI generation. @strapi/openapi
 * has no hook for post-processors of one's own (its pipeline is built inside `generate`), but
 * its one export, `generate`, is what both users of it call: the `GET /api/openapi.json` handler
 * (@strapi/core, services/server/openapi.js) and `strapi openapi generate`, each through a live
 * binding to this module's exports. Wrapping that export runs Strapi's whole pipeline unchanged
 * and then the corrections, so the served document and the CLI's file are the same.
 * Called from register(), before either can run; tests/openapi.test.ts fails if the binding
 * ever stops being live (the document would lose its corrections).
 */
type Generate = typeof openapi.generate;
type GeneratorOutput = ReturnType<Generate>;

const CORRECTED = Symbol.for('social.openapi.corrected');

/**
 * The document depends only on the code (routes, schemas, config), so each app generates it once.
 * This replaces Strapi's file cache, which is off (config/server.ts): a file outlives the code that
 * wrote it, and served a stale description for up to a minute after a change.
 */
function oncePerApp(generate: Generate): Generate {
  const documents = new WeakMap<Core.Strapi, GeneratorOutput>();
  return (strapi, options) => {
    if ((options?.type ?? 'content-api') !== 'content-api') return generate(strapi, options);
    const known = documents.get(strapi);
    if (known) return known;
    const output = generate(strapi, options);
    documents.set(strapi, output);
    return output;
  };
}

export function correctGeneratedDescriptions(): void {
  const exported = openapi as { generate: Generate & { [CORRECTED]?: true } };
  if (exported.generate[CORRECTED]) return;
  const generate = exported.generate;
  const corrected: Generate = (strapi, options) => {
    const output = generate(strapi, options);
    if ((options?.type ?? 'content-api') === 'content-api') correctDocument(output.document, describedRoutes(strapi));
    return output;
  };
  exported.generate = Object.assign(oncePerApp(corrected), { [CORRECTED]: true as const });
}
