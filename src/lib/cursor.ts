import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors } from '@strapi/utils';

const { ValidationError } = errors;

/**
 * Cursors: the one codec every cursor list uses (API.md, "Lists that move").
 *
 * A cursor names a position in one list's order (a key such as [createdAt, id]) and a direction:
 * `next` continues down the list after the key, `prev` fetches the items above it. `inclusive`
 * includes the key's own item (the cursors of an empty page point at the position itself).
 * It travels as `base64url(JSON).base64url(HMAC-SHA256)`, signed with a key derived from the
 * app keys, over the list's identity too: a tampered cursor, one the server did not issue, or one
 * of another list (another user's feed, another post's comments) fails the check and is a 400.
 * The payload is not secret (it holds ids and times the list shows anyway), only unforgeable.
 */
export type Direction = 'next' | 'prev';
export type KeyPart = string | number;
export type Position = { direction: Direction; key: KeyPart[]; inclusive: boolean };

const MAX_CURSOR_LENGTH = 512;
const SIGNATURE_BYTES = 16;

type Payload = { l: string; d: 'n' | 'p'; k: KeyPart[]; i?: 1 };

const invalid = (): never => {
  throw new ValidationError('cursor is not a cursor this list gave out', {
    errors: [{ path: ['cursor'], message: 'Invalid cursor', name: 'ValidationError' }],
  });
};

const isKeyPart = (value: unknown): value is KeyPart =>
  (typeof value === 'string' && value.length <= 64) || (typeof value === 'number' && Number.isSafeInteger(value));

export class CursorCodec {
  private readonly secret: Buffer;

  constructor(appKeys: readonly string[]) {
    if (appKeys.length === 0) throw new Error('Cursors need the app keys (APP_KEYS)');
    this.secret = createHmac('sha256', appKeys[0]).update('social-cursor-v1').digest();
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, SIGNATURE_BYTES);
  }

  encode(list: string, position: Position): string {
    const payload: Payload = { l: list, d: position.direction === 'next' ? 'n' : 'p', k: position.key };
    if (position.inclusive) payload.i = 1;
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body).toString('base64url')}`;
  }

  /** The position a cursor of `list` names, whose key has `keyLength` parts; otherwise a 400. */
  decode(list: string, raw: string, keyLength: number): Position {
    if (raw.length > MAX_CURSOR_LENGTH) invalid();
    const [body, signature, extra] = raw.split('.');
    if (!body || !signature || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature)) invalid();
    const given = Buffer.from(signature, 'base64url');
    // base64url decoding ignores trailing bits, so the text must also be the canonical encoding.
    if (given.length !== SIGNATURE_BYTES || given.toString('base64url') !== signature) invalid();
    if (!timingSafeEqual(given, this.sign(body))) invalid();
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return invalid();
    }
    if (payload?.l !== list || (payload.d !== 'n' && payload.d !== 'p')) invalid();
    if (!Array.isArray(payload.k) || payload.k.length !== keyLength || !payload.k.every(isKeyPart)) invalid();
    return { direction: payload.d === 'n' ? 'next' : 'prev', key: payload.k, inclusive: payload.i === 1 };
  }
}
