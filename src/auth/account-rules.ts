import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { errors } from '@strapi/utils';

const { ValidationError } = errors;

/**
 * What an account's identifiers and password must be, wherever they are set (registration, reset,
 * change). Errors name the rule, so a client can show it as is.
 */

function invalid(field: string, message: string): never {
  throw new ValidationError(message, { errors: [{ path: [field], message, name: 'ValidationError', value: undefined }] });
}

export const USERNAME_RULE = 'A username is 3 to 30 characters: letters a-z (any case), digits, dots, dashes and underscores';

/**
 * Trimmed, ASCII letters, digits, `.`, `-`, `_`: nothing blank, invisible or shaped like an email
 * (which would block that address from signing up). Unique without regard to case, which the
 * database enforces (src/db/accounts.ts); its case is kept for display.
 */
export function normalizeUsername(raw: unknown): string {
  if (typeof raw !== 'string') invalid('username', 'username is required');
  const username = raw.normalize('NFC').trim();
  if (!/^[A-Za-z0-9._-]{3,30}$/.test(username) || !/[A-Za-z0-9]/.test(username)) invalid('username', USERNAME_RULE);
  return username;
}

const EMAIL = /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Unicode NFC, lower case, trimmed. Only ASCII is accepted: an invisible character (U+200B…) or a
 * lookalike letter (Cyrillic а for Latin a) would let `a\u200b@x.com` shadow `a@x.com`. An
 * international domain is written in its punycode form (xn--…).
 */
export function normalizeEmail(raw: unknown, field = 'email'): string {
  if (typeof raw !== 'string' || raw.trim() === '') invalid(field, `${field} is required`);
  const email = raw.normalize('NFC').trim().toLowerCase();
  if (!/^[\x21-\x7e]+$/.test(email)) {
    invalid(field, `${field} must be written in plain ASCII: invisible and lookalike characters are refused (write an international domain in its xn-- form)`);
  }
  if (email.length > 254 || !EMAIL.test(email)) invalid(field, `${field} must be a valid email address`);
  return email;
}

/** Whether a login identifier is an email (else it is a username). */
export const isEmailShaped = (identifier: string): boolean => identifier.includes('@');

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...english.dictionary },
  graphs: common.adjacencyGraphs,
  translations: english.translations,
});

export const MIN_PASSWORD_SCORE = 3;
export const PASSWORD_RULE =
  'A password is 8 to 128 characters and hard to guess (strength 3 of 4 or more, measured by zxcvbn): ' +
  'several unrelated words, or a mix of words, digits and symbols; not a common password, a keyboard pattern or your own name';

/**
 * zxcvbn (the estimator Dropbox made, in its maintained TypeScript port) scores 0-4; 3 is "safely
 * unguessable: moderate protection from an offline slow-hash attack". "123456", "password1" and
 * seven spaces score 0. The username, name and email count against the password. Longer than 128
 * characters is refused before estimating, so the estimate's cost stays bounded.
 */
export async function assertStrongPassword(raw: unknown, userInputs: Array<string | undefined> = [], field = 'password'): Promise<string> {
  if (typeof raw !== 'string' || raw === '') invalid(field, `${field} is required`);
  const length = [...raw].length;
  if (length < 8 || length > 128) invalid(field, PASSWORD_RULE);
  const inputs = userInputs.filter((input): input is string => typeof input === 'string' && input !== '');
  const result = await zxcvbn.check(raw, inputs);
  if (result.score < MIN_PASSWORD_SCORE) {
    const why = result.feedback.warning ? `${result.feedback.warning.replace(/\.$/, '')}. ` : '';
    invalid(field, `This password is too easy to guess. ${why}${PASSWORD_RULE}`);
  }
  return raw;
}
