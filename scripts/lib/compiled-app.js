// @ts-check
// Runs the compiled app (dist/) in this process, as `strapi start` does once it has found dist/:
// what the harness (server.js) starts for the tests, the benchmark and the soak test.
//   node scripts/lib/compiled-app.js [extension]
// `extension` names a CommonJS module exporting a function of the loaded app; it runs after the
// app has loaded (routes, permissions) and before it listens. The benchmark adds its own route so
// (bench/core-route.cjs); the app itself knows nothing of it.
'use strict';

const path = require('node:path');
const { createStrapi } = require('@strapi/strapi');

const root = path.resolve(__dirname, '..', '..');
const app = createStrapi({ appDir: root, distDir: path.join(root, 'dist') });
const extension = process.argv[2];

if (extension === undefined) {
  app.start();
} else {
  /** @type {(strapi: import('@strapi/strapi').Core.Strapi) => void} */
  const extend = require(path.resolve(extension));
  // start() would load the app itself; loaded here first, it only listens. A failure on the way
  // ends the process as a failed start() does.
  app
    .load()
    .then(() => extend(app))
    .then(() => app.start(), (error) => app.stopWithError(error));
}
