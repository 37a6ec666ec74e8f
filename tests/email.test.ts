import type { AddressInfo } from 'node:net';
import type { Core } from '@strapi/strapi';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { expectError } from './helpers/assertions';
import { createUser, uniq } from './helpers/fixtures';
import { api, setupStrapi, teardownStrapi } from './helpers/strapi';

/**
 * Mail through a real SMTP server started here (smtp-server), reached by the official nodemailer
 * provider configured from SMTP_HOST/SMTP_PORT: the whole password reset and the email
 * confirmation, and answers that do not tell which addresses have accounts.
 */
type Mail = { to: string; subject: string; text: string };
const inbox: Mail[] = [];
let smtp: SMTPServer;
let strapi: Core.Strapi;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          inbox.push({ to: to?.value[0]?.address ?? '', subject: parsed.subject ?? '', text: parsed.text ?? String(parsed.html ?? '') });
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  strapi = await setupStrapi({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) });
  http = api(strapi);
});
afterAll(async () => {
  await teardownStrapi();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function mailTo(address: string, ms = 10_000): Promise<Mail> {
  const deadline = Date.now() + ms;
  for (;;) {
    const mail = inbox.find((m) => m.to === address);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${address} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('password reset through SMTP', () => {
  it('forgot → mail → reset → log in with the new password; the old token is cut off', async () => {
    const u = await createUser(strapi);
    const forgot = await http.post('/auth/forgot-password').send({ email: u.email.toUpperCase() });
    expect(forgot.status).toBe(200);
    expect(forgot.body).toEqual({ ok: true });
    const mail = await mailTo(u.email);
    const code = /code=([a-f0-9]{128})/.exec(mail.text)?.[1];
    expect(code).toBeDefined();

    const password = 'Fresh-Start-2026!';
    expectError(await http.post('/auth/reset-password').send({ code, password: 'weak', passwordConfirmation: 'weak' }), 400, 'ValidationError');
    const reset = await http.post('/auth/reset-password').send({ code, password, passwordConfirmation: password });
    expect(reset.status).toBe(200);
    expect((await http.get('/users/users', reset.body.jwt)).status).toBe(200);
    expectError(await http.get('/users/users', u.jwt), 401);
    expect((await http.post('/users/login').send({ email: u.email, password })).status).toBe(200);
    expectError(await http.post('/users/login').send({ email: u.email, password: u.password }), 400);
    // A code works once.
    expectError(await http.post('/auth/reset-password').send({ code, password, passwordConfirmation: password }), 400);
  });

  it('answers the same, at once, for a known and an unknown address; only the known one gets mail', async () => {
    const u = await createUser(strapi);
    const unknown = `${uniq('nobody')}@example.com`;
    const answers = [await http.post('/auth/forgot-password').send({ email: u.email }), await http.post('/auth/forgot-password').send({ email: unknown })];
    expect(answers.map((a) => [a.status, a.body])).toEqual([[200, { ok: true }], [200, { ok: true }]]);
    await mailTo(u.email);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.some((m) => m.to === unknown)).toBe(false);
  });

  it('a mail server that refuses answers the same, never a 5xx', async () => {
    const u = await createUser(strapi);
    const onData = (smtp as unknown as { options: { onData: unknown } }).options.onData;
    (smtp as unknown as { options: { onData: (s: NodeJS.ReadableStream, x: unknown, done: (e?: Error) => void) => void } }).options.onData = (stream, _x, done) => {
      stream.resume();
      stream.on('end', () => done(new Error('mailbox unavailable')));
    };
    try {
      const res = await http.post('/auth/forgot-password').send({ email: u.email });
      expect([res.status, res.body]).toEqual([200, { ok: true }]);
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      (smtp as unknown as { options: { onData: unknown } }).options.onData = onData;
    }
  });
});

describe('email confirmation through SMTP', () => {
  it('send-email-confirmation → mail → confirm; the same answer for unknown, confirmed and unconfirmed addresses', async () => {
    const pending = await createUser(strapi);
    await strapi.db.connection('up_users').where({ id: pending.id }).update({ confirmed: false });
    const confirmed = await createUser(strapi);
    const unknown = `${uniq('nobody')}@example.com`;
    for (const email of [pending.email, confirmed.email, unknown]) {
      const res = await http.post('/auth/send-email-confirmation').send({ email });
      expect([res.status, res.body]).toEqual([200, { email, sent: true }]);
    }
    const mail = await mailTo(pending.email);
    const token = /confirmation=([A-Za-z0-9]+)/.exec(mail.text)?.[1];
    expect(token).toBeDefined();
    const confirm = await http.get(`/auth/email-confirmation?confirmation=${token}`);
    expect(confirm.status).toBeLessThan(400);
    const row = await strapi.db.connection('up_users').where({ id: pending.id }).first();
    expect(Boolean(row.confirmed)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.some((m) => m.to === confirmed.email || m.to === unknown)).toBe(false);
  });
});
