/**
 * Path identifiers. A post is its numeric id or its documentId; a user is its numeric id, its
 * documentId or its email. Anything else simply matches nothing (404), never a 400 or a 500.
 */
export type Ref = { id: number } | { documentId: string } | { email: string } | null;

const MAX_ID = 2_147_483_647; // the largest id any of our databases can hold in an integer column

export function entityRef(raw: string): Ref {
  if (/^\d{1,10}$/.test(raw)) {
    const id = Number(raw);
    return id >= 1 && id <= MAX_ID ? { id } : null;
  }
  // Strapi documentIds are lower-case cuid2 strings (24 characters).
  if (/^[a-z0-9]{1,64}$/i.test(raw)) return { documentId: raw };
  return null;
}

export function userRef(raw: string): Ref {
  if (raw.includes('@')) return raw.length <= 320 ? { email: raw.trim().toLowerCase() } : null;
  return entityRef(raw);
}
