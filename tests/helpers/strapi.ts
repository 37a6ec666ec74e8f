import path from 'node:path';
import type { Core } from '@strapi/strapi';
import request from 'supertest';
import { applyTestEnv, ROOT } from './env';

let instance: Core.Strapi | undefined;

/** Boots the compiled app in-process and mounts its routes; `env` is set over the test defaults. */
export async function setupStrapi(env: Record<string, string> = {}): Promise<Core.Strapi> {
  if (instance) return instance;
  applyTestEnv();
  Object.assign(process.env, env);
  const { createStrapi } = await import('@strapi/strapi');
  const app = await createStrapi({ appDir: ROOT, distDir: path.join(ROOT, 'dist') }).load();
  app.log.level = 'error';
  await app.server.mount();
  // Listen once on a free port: supertest would otherwise listen anew for every request, which
  // breaks requests fired concurrently.
  await new Promise<void>((resolve) => app.server.httpServer.listen(0, '127.0.0.1', resolve));
  instance = app;
  return app;
}

export async function teardownStrapi(): Promise<void> {
  if (!instance) return;
  const app = instance;
  instance = undefined;
  await app.destroy();
}

/** supertest against the mounted app, with /api prefixed and an optional bearer token. */
export function api(strapi: Core.Strapi) {
  const address = strapi.server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('The test server is not listening');
  const server = `http://127.0.0.1:${address.port}`;
  const withToken = (test: request.Test, token?: string) => (token ? test.set('Authorization', `Bearer ${token}`) : test);
  return {
    get: (url: string, token?: string) => withToken(request(server).get(`/api${url}`), token),
    post: (url: string, token?: string) => withToken(request(server).post(`/api${url}`), token),
    delete: (url: string, token?: string) => withToken(request(server).delete(`/api${url}`), token),
    put: (url: string, token?: string) => withToken(request(server).put(`/api${url}`), token),
    raw: () => request(server),
    /** The server's base URL, for requests supertest cannot make (odd methods, raw sockets). */
    base: server,
  };
}

export type Api = ReturnType<typeof api>;

/**
 * The boot and tear-down of a spec: Strapi starts once before its tests (with `env` over the test
 * defaults) and is destroyed after them. `ready` receives the instance and its HTTP client.
 */
export function useStrapi(ready: (strapi: Core.Strapi, http: Api) => void, env: Record<string, string> = {}): void {
  beforeAll(async () => {
    const strapi = await setupStrapi(env);
    ready(strapi, api(strapi));
  });
  afterAll(teardownStrapi);
}
