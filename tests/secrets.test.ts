import { requireSecret, requireSecretList } from '../src/utils/secrets';

describe('secrets in production', () => {
  const production = (vars: Record<string, string>) => ({ NODE_ENV: 'production', ...vars }) as NodeJS.ProcessEnv;

  it('a missing secret stops start-up with a message naming it', () => {
    expect(() => requireSecret('JWT_SECRET', production({}))).toThrow(/JWT_SECRET is missing/);
  });

  it.each(['tobemodified', 'toBeModified', 'changeme', '   ', ''])('a placeholder (%j) stops start-up', (value) => {
    expect(() => requireSecret('ADMIN_JWT_SECRET', production({ ADMIN_JWT_SECRET: value }))).toThrow(/ADMIN_JWT_SECRET/);
  });

  it('APP_KEYS with one placeholder key stops start-up', () => {
    expect(() => requireSecretList('APP_KEYS', production({ APP_KEYS: 'a8Kq1,tobemodified2' }))).toThrow(/APP_KEYS/);
  });

  it('a real secret passes', () => {
    expect(requireSecret('JWT_SECRET', production({ JWT_SECRET: 'q2V+8fX0kz1Yp3' }))).toBe('q2V+8fX0kz1Yp3');
    expect(requireSecretList('APP_KEYS', production({ APP_KEYS: 'k1aaa,k2bbb' }))).toEqual(['k1aaa', 'k2bbb']);
  });

  it('outside production nothing is invented: a missing secret stays empty', () => {
    expect(requireSecret('JWT_SECRET', { NODE_ENV: 'development' } as NodeJS.ProcessEnv)).toBe('');
  });
});
