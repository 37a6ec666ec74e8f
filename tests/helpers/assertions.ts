const SECRET_FIELDS = ['password', 'resetPasswordToken', 'confirmationToken'];

/** No response may carry a password hash or a reset/confirmation token, under any key. */
export function expectNoSecrets(body: unknown): void {
  const text = JSON.stringify(body);
  for (const field of SECRET_FIELDS) expect(text).not.toContain(`"${field}"`);
  expect(text).not.toMatch(/\$2[aby]\$\d\d\$/); // a bcrypt hash under any name
}

/** Strapi's error envelope with this status and error name. */
export function expectError(res: { status: number; body: unknown }, status: number, name?: string): void {
  expect(res.status).toBe(status);
  const body = res.body as { data: unknown; error: { status: number; name: string; message: string } };
  expect(body.data).toBeNull();
  expect(body.error.status).toBe(status);
  if (name) expect(body.error.name).toBe(name);
  expect(typeof body.error.message).toBe('string');
}
