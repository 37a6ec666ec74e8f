import { assertProductionSecrets, SECRET_VARIABLES } from '../src/server/secrets';

const valid = Object.fromEntries(SECRET_VARIABLES.map((name) => [name, `${name.toLowerCase()}-q2V+8fX0kz1Yp3`]));
const production = (vars: Record<string, string | undefined>) => ({ NODE_ENV: 'production', ...valid, ...vars }) as NodeJS.ProcessEnv;

describe('secrets in production', () => {
  it('real secrets pass', () => {
    expect(() => assertProductionSecrets(production({ APP_KEYS: 'k1aaa,k2bbb' }))).not.toThrow();
  });

  it.each([...SECRET_VARIABLES])('a missing %s stops start-up with a message naming it', (name) => {
    expect(() => assertProductionSecrets(production({ [name]: undefined }))).toThrow(new RegExp(`${name} is missing`));
  });

  it.each(['tobemodified', 'toBeModified', 'changeme', '   ', ''])('a placeholder (%j) stops start-up', (value) => {
    expect(() => assertProductionSecrets(production({ ADMIN_JWT_SECRET: value }))).toThrow(/ADMIN_JWT_SECRET is (a placeholder|missing)/);
  });

  it('APP_KEYS with one placeholder key stops start-up', () => {
    expect(() => assertProductionSecrets(production({ APP_KEYS: 'a8Kq1,tobemodified2' }))).toThrow(/APP_KEYS is a placeholder/);
  });

  it('outside production nothing is checked (development creates .env itself)', () => {
    expect(() => assertProductionSecrets({ NODE_ENV: 'development' } as NodeJS.ProcessEnv)).not.toThrow();
  });
});
