import { errors } from '@strapi/utils';

const { ValidationError } = errors;

type Body = Record<string, unknown>;

/** The JSON body as an object, or a 400 when it is missing, an array or a scalar. */
export function bodyOf(raw: unknown): Body {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('The body must be a JSON object');
  }
  return raw as Body;
}

function invalid(field: string, message: string): never {
  throw new ValidationError(message, {
    errors: [{ path: [field], message, name: 'ValidationError', value: undefined }],
  });
}

type TextRule = { min: number; max: number; required: boolean };

/**
 * A string field, trimmed, within [min, max] characters, counted as Unicode code points (an
 * emoji is one character). The schemas' maxLength is twice the API limit because Strapi counts
 * UTF-16 units there, where an emoji counts two. Missing optional fields give ''.
 * Any other type is a 400: numbers are not silently turned into strings.
 */
export function text(body: Body, field: string, rule: TextRule, alias?: string): string {
  const key = body[field] !== undefined ? field : alias !== undefined && body[alias] !== undefined ? alias : field;
  const value = body[key];
  if (value === undefined || value === null) {
    if (rule.required) invalid(field, `${field} is required`);
    return '';
  }
  if (typeof value !== 'string') invalid(field, `${field} must be a string`);
  const trimmed = value.trim();
  const length = [...trimmed].length;
  if (length < rule.min) invalid(field, rule.min === 1 ? `${field} must not be empty` : `${field} is too short`);
  if (length > rule.max) invalid(field, `${field} must be at most ${rule.max} characters`);
  return trimmed;
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 25;

function positiveInt(raw: unknown, name: string): number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,9}$/.test(raw) || Number(raw) < 1) {
    throw new ValidationError(`pagination[${name}] must be a positive integer`);
  }
  return Number(raw);
}

export type Page = { page: number; pageSize: number };

/** Strapi's `pagination[page]` / `pagination[pageSize]`; the size is capped at 100 like Strapi's maxLimit. */
export function pageOf(query: Record<string, unknown>): Page {
  const raw = query.pagination;
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new ValidationError('pagination must be an object');
  }
  const pagination = (raw ?? {}) as Record<string, unknown>;
  const page = positiveInt(pagination.page, 'page') ?? 1;
  const pageSize = Math.min(positiveInt(pagination.pageSize, 'pageSize') ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  return { page, pageSize };
}

/** One of a fixed list of strings, or a 400 naming the allowed values. */
export function oneOf<T extends string>(body: Body, field: string, allowed: readonly T[]): T {
  const value = body[field];
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(field, `${field} must be one of: ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * A search's `q`: one string, 1–100 characters (code points) after trimming, without NUL (which
 * neither database stores in text); otherwise a 400 ValidationError.
 */
export function searchText(query: Record<string, unknown>): string {
  const value = query.q;
  if (value === undefined) invalid('q', 'q is required');
  if (typeof value !== 'string') invalid('q', 'q must be given once, as text');
  if ((value as string).includes('\u0000')) invalid('q', 'q must not contain NUL characters');
  const trimmed = (value as string).trim();
  const length = [...trimmed].length;
  if (length < 1) invalid('q', 'q must not be empty');
  if (length > 100) invalid('q', 'q must be at most 100 characters');
  return trimmed;
}
