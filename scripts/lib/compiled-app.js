// @ts-check
// Runs the compiled app (dist/) in this process, as `strapi start` does once it has found dist/:
// what the harness (server.js) starts for the tests, the benchmark and the soak test.
'use strict';

const path = require('node:path');
const { createStrapi } = require('@strapi/strapi');

const root = path.resolve(__dirname, '..', '..');
createStrapi({ appDir: root, distDir: path.join(root, 'dist') }).start();
