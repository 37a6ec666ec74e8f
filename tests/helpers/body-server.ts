import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { createUser, type TestUser } from './fixtures';
import { api, setupStrapi, teardownStrapi, type Api } from './strapi';

/**
 * The server of the request-body tests (hardening-bodies, body-timeout): a Strapi with the given
 * BODY_TIMEOUT_MS and a user, where every temporary part of a multipart body is written to
 * UPLOAD_TMP_DIR, a fresh folder, so "nothing stays on disk" is checkable, and what
 * strapi.log.error receives is kept per test, so "logged as no error" is too.
 */
export type BodyServer = { strapi: Core.Strapi; http: Api; user: TestUser };

export function useBodyServer(bodyTimeoutMs: number, ready: (server: BodyServer) => void) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'social-upload-test-'));
  /** What strapi.log.error received during the current test. */
  const errorLogs: string[] = [];
  let strapi: Core.Strapi;

  beforeAll(async () => {
    strapi = await setupStrapi({ UPLOAD_TMP_DIR: tmp, BODY_TIMEOUT_MS: String(bodyTimeoutMs) });
    ready({ strapi, http: api(strapi), user: await createUser(strapi) });
  });
  beforeEach(() => {
    errorLogs.length = 0;
    jest.spyOn(strapi.log, 'error').mockImplementation(((message: unknown) => {
      errorLogs.push(String((message as Error)?.stack ?? message));
    }) as never);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await teardownStrapi();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The files in UPLOAD_TMP_DIR. */
  const leftOnDisk = () => fs.readdirSync(tmp);
  return { errorLogs, leftOnDisk };
}

/** Waits until `condition` holds, or `ms` have passed. */
export async function waitFor(condition: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}
