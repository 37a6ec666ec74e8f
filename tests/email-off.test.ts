import type { Core } from '@strapi/strapi';
import { createUser, uniq } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * No SMTP_HOST: no mail can be sent. The routes that would send one answer exactly as they do
 * with mail, for known and unknown addresses alike, never 5xx; no reset token is written; the
 * server says once, in its log, that mail is off. (Before: 500 for a known address, 200 for an
 * unknown one, and a reset token written anyway.)
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

it('forgot-password and send-email-confirmation answer alike for every address, write nothing and warn once', async () => {
  const warn = jest.spyOn(strapi.log, 'warn');
  const known = await createUser(strapi);
  const pending = await createUser(strapi);
  await strapi.db.connection('up_users').where({ id: pending.id }).update({ confirmed: false });
  const unknown = `${uniq('nobody')}@example.com`;
  for (const email of [known.email, pending.email, unknown]) {
    const forgot = await http.post('/auth/forgot-password').send({ email });
    expect([forgot.status, forgot.body]).toEqual([200, { ok: true }]);
    const confirm = await http.post('/auth/send-email-confirmation').send({ email });
    expect([confirm.status, confirm.body]).toEqual([200, { email, sent: true }]);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const rows = await strapi.db.connection('up_users').whereIn('id', [known.id, pending.id]).select('reset_password_token');
  expect(rows.every((row: { reset_password_token: string | null }) => row.reset_password_token === null)).toBe(true);
  const mailWarnings = warn.mock.calls.filter(([message]) => String(message).includes('SMTP_HOST'));
  expect(mailWarnings).toHaveLength(1);
  warn.mockRestore();
});

it('a malformed address is a 400 in the envelope', async () => {
  for (const email of ['', 'not-an-email', 42, null]) {
    const res = await http.post('/auth/forgot-password').send({ email });
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe(400);
  }
});
