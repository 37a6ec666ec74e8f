import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { isUniqueViolation } from '../db/dialect';
import { repositories } from '../db/repositories';
import { assertStrongPassword, isEmailShaped, normalizeEmail, normalizeUsername } from './account-rules';
import { DECOY_HASH } from './decoy-hash';
import { mailConfigured, warnMailOff } from './mail';
import { isLegacyJwtMode, isUserId, issueToken } from './tokens';

const { ValidationError, ApplicationError } = errors;

/**
 * The users-permissions plugin's /auth/* actions, each run after the checks it lacks:
 * - a body that is missing or not a JSON object is a 400 (the plugin answered 500);
 * - /auth/local compares the password against a decoy hash when the identifier is unknown, so an
 *   unknown account costs as much time as a wrong password; usernames match without case;
 * - registration: the username, email and password rules (src/auth/account-rules.ts), usernames
 *   unique without regard to case, also under concurrent sign-ups (the database's index decides);
 * - reset and change: the password rule;
 * - forgot-password and send-email-confirmation answer the same, at once, for every address:
 *   the look-up, the token and the mail happen after the answer, so neither the answer nor its
 *   time tells whether an account exists, and a failing mail server is logged, not answered;
 * - every answer with a token is re-signed with the user's password version (src/auth/tokens.ts).
 */
type Action = (ctx: Context, next?: unknown, ...rest: unknown[]) => Promise<unknown> | unknown;
type Actions = Record<string, Action>;
type ControllerFactory = (args: { strapi: Core.Strapi }) => Actions;
type Body = Record<string, unknown>;

function bodyOf(ctx: Context): Body {
  const body = (ctx.request as { body?: unknown }).body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError('The body must be a JSON object');
  return body as Body;
}

const requiredString = (body: Body, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`${field} is required`, { errors: [{ path: [field], message: `${field} is required`, name: 'ValidationError' }] });
  }
  return value;
};

const TAKEN = 'Email or Username are already taken';

export function hardenAuthActions(strapi: Core.Strapi, actions: Actions): Actions {
  const { users } = repositories(strapi);

  /** Re-signs the token of an answer with the user's password version. */
  const stampToken = async (ctx: Context) => {
    const body = ctx.body as { jwt?: unknown; user?: { id?: unknown } } | undefined;
    const id = body?.user?.id;
    if (typeof body?.jwt === 'string' && isUserId(id) && isLegacyJwtMode(strapi)) body.jwt = await issueToken(strapi, id);
  };

  /** Runs the plugin's action for `body` after the answer, with only what it reads of a context. */
  const later = (ctx: Context, action: Action, body: Body, what: string) => {
    const detached = { request: { body }, state: { auth: ctx.state.auth }, query: {}, send() {}, params: {} } as unknown as Context;
    setImmediate(() => {
      Promise.resolve(action(detached)).catch((error: unknown) => {
        // The plugin's refusals (already confirmed, blocked) are expected; a mail failure is not.
        if (error instanceof ApplicationError) strapi.log.debug(`${what}: ${error.message}`);
        else strapi.log.error(`${what} failed: ${(error as Error)?.message ?? error}`);
      });
    });
  };

  return {
    ...actions,

    async callback(ctx: Context, ...rest: unknown[]) {
      const provider = (ctx.params as { provider?: string } | undefined)?.provider;
      if (provider !== undefined && provider !== 'local') return actions.callback(ctx, ...rest);
      const body = bodyOf(ctx);
      const identifier = requiredString(body, 'identifier').normalize('NFC').trim();
      const password = requiredString(body, 'password');
      const key = identifier.toLowerCase();
      const user = await (isEmailShaped(key) ? users.credentialsByEmail(key) : users.byUsernameLower(key));
      if (!user?.password) {
        await strapi.plugin('users-permissions').service('user').validatePassword(password, DECOY_HASH);
        throw new ValidationError('Invalid identifier or password');
      }
      // The plugin matches usernames exactly: hand it the stored spelling.
      if (!isEmailShaped(key)) body.identifier = user.username;
      await actions.callback(ctx, ...rest);
      await stampToken(ctx);
    },

    async register(ctx: Context, ...rest: unknown[]) {
      const body = bodyOf(ctx);
      const username = normalizeUsername(body.username);
      const email = normalizeEmail(body.email);
      await assertStrongPassword(body.password, [username, email, typeof body.name === 'string' ? body.name : undefined]);
      if (await users.usernameTaken(username)) throw new ApplicationError(TAKEN);
      Object.assign(body, { username, email });
      try {
        await actions.register(ctx, ...rest);
      } catch (error) {
        // Two sign-ups raced past the check above: the unique index on lower(username) decided.
        if (isUniqueViolation(error)) throw new ApplicationError(TAKEN);
        throw error;
      }
      await stampToken(ctx);
    },

    async forgotPassword(ctx: Context) {
      const email = normalizeEmail(bodyOf(ctx).email);
      if (mailConfigured(strapi)) later(ctx, actions.forgotPassword, { email }, 'Password reset mail');
      else warnMailOff(strapi, 'the password reset mail');
      ctx.body = { ok: true };
    },

    async sendEmailConfirmation(ctx: Context) {
      const email = normalizeEmail(bodyOf(ctx).email);
      if (mailConfigured(strapi)) later(ctx, actions.sendEmailConfirmation, { email }, 'Email confirmation mail');
      else warnMailOff(strapi, 'the email confirmation mail');
      ctx.body = { email, sent: true };
    },

    async resetPassword(ctx: Context, ...rest: unknown[]) {
      const body = bodyOf(ctx);
      requiredString(body, 'code');
      await assertStrongPassword(body.password);
      await actions.resetPassword(ctx, ...rest);
      await stampToken(ctx);
    },

    async changePassword(ctx: Context, ...rest: unknown[]) {
      const body = bodyOf(ctx);
      const user = ctx.state.user as { username?: string; email?: string; name?: string } | undefined;
      requiredString(body, 'currentPassword');
      await assertStrongPassword(body.password, [user?.username, user?.email, user?.name]);
      await actions.changePassword(ctx, ...rest);
      await stampToken(ctx);
    },

    async emailConfirmation(ctx: Context, ...rest: unknown[]) {
      await actions.emailConfirmation(ctx, ...rest);
      await stampToken(ctx);
    },
  };
}

/** Wraps the plugin's `auth` controller factory (from src/extensions/users-permissions/strapi-server.ts). */
export const withHardenedAuth = (factory: ControllerFactory): ControllerFactory => (args) => hardenAuthActions(args.strapi, factory(args));
