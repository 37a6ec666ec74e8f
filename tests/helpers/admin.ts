import { randomUUID } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import request from 'supertest';
import { MODERATOR_CODE } from '../../src/bootstrap/moderator-role';

export const ADMIN_PASSWORD = 'Adm1n-Passw0rd!';

/** An admin-panel user with the given role code, logged in through POST /admin/login. */
export async function adminSession(strapi: Core.Strapi, roleCode: string = MODERATOR_CODE) {
  const role = await strapi.db.query('admin::role').findOne({ where: { code: roleCode } });
  const email = `${roleCode}-${randomUUID().slice(0, 8)}@example.com`;
  await strapi.service('admin::user').create({
    email,
    firstname: 'Mo',
    lastname: 'Derator',
    password: ADMIN_PASSWORD,
    isActive: true,
    roles: [role.id],
  });
  const address = strapi.server.httpServer.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const login = await request(base).post('/admin/login').send({ email, password: ADMIN_PASSWORD });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.data.token as string;
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${token}`);
  return {
    email,
    get: (url: string) => auth(request(base).get(url)),
    post: (url: string) => auth(request(base).post(url)),
    put: (url: string) => auth(request(base).put(url)),
    delete: (url: string) => auth(request(base).delete(url)),
  };
}

export const cm = (uid: string, documentId?: string) =>
  `/content-manager/collection-types/${uid}${documentId ? `/${documentId}` : ''}`;
