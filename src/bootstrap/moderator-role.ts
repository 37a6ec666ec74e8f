import type { Core } from '@strapi/strapi';

/**
 * The "Moderator" admin role, created on first boot only: an administrator may edit it later in
 * Settings → Administration Panel → Roles, and no restart forces it back.
 *
 * A moderator reads, edits, hides and deletes posts and comments, works through reports, reads
 * users and sets their `blocked` flag. No create on anything (no posting on someone's behalf),
 * and no Settings permission at all (roles, administrators, API tokens stay out of reach).
 */
export const MODERATOR_CODE = 'social-moderator';

const EXPLORER = 'plugin::content-manager.explorer';
const POST_FIELDS = ['title', 'description', 'author', 'comments', 'likedBy', 'hidden', 'moderationNote', 'openReports', 'reports', 'media'];
const COMMENT_FIELDS = ['content', 'author', 'post', 'hidden', 'moderationNote', 'openReports', 'reports'];
const REPORT_FIELDS = ['reason', 'details', 'state', 'target', 'reporter', 'post', 'comment', 'resolvedBy', 'resolvedAt'];
/** Shown to moderators, never set by them: when the author last edited (set by the API). */
const READ_ONLY_FIELDS = ['editedAt'];
const USER_READ_FIELDS = ['username', 'email', 'name', 'blocked', 'confirmed', 'posts', 'comments', 'avatar'];

type Permission = { action: string; subject: string; properties: { fields?: string[] }; conditions: string[] };
const permission = (action: string, subject: string, fields?: string[]): Permission => ({
  action: `${EXPLORER}.${action}`,
  subject,
  properties: fields ? { fields } : {},
  conditions: [],
});

export const MODERATOR_PERMISSIONS: Permission[] = [
  permission('read', 'api::post.post', [...POST_FIELDS, ...READ_ONLY_FIELDS]),
  permission('update', 'api::post.post', POST_FIELDS),
  permission('delete', 'api::post.post'),
  permission('read', 'api::comment.comment', [...COMMENT_FIELDS, ...READ_ONLY_FIELDS]),
  permission('update', 'api::comment.comment', COMMENT_FIELDS),
  permission('delete', 'api::comment.comment'),
  permission('read', 'api::report.report', REPORT_FIELDS),
  permission('update', 'api::report.report', ['state']),
  permission('read', 'plugin::users-permissions.user', USER_READ_FIELDS),
  permission('update', 'plugin::users-permissions.user', ['blocked']),
];

const FLAG = 'moderator-role-seeded';

export async function seedModeratorRole(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: FLAG })) return;
  const roles = strapi.service('admin::role');
  let role = await strapi.db.query('admin::role').findOne({ where: { code: MODERATOR_CODE } });
  if (!role) {
    role = await roles.create({
      name: 'Moderator',
      code: MODERATOR_CODE,
      description: 'Reads, edits, hides and deletes posts and comments; resolves reports; blocks users.',
    });
  }
  await roles.assignPermissions(role.id, MODERATOR_PERMISSIONS);
  await store.set({ key: FLAG, value: true });
  await store.set({ key: MEDIA_FLAG, value: true });
  await store.set({ key: EDITED_AT_FLAG, value: true });
  strapi.log.info('Created the Moderator admin role (first boot).');
}

/** Fields added to the Moderator role after it was first seeded, once: a post's images, a user's avatar. */
const MEDIA_FLAG = 'moderator-role-media-fields';
const ADDED_FIELDS: AddedField[] = [
  { action: `${EXPLORER}.read`, subject: 'api::post.post', field: 'media' },
  { action: `${EXPLORER}.update`, subject: 'api::post.post', field: 'media' },
  { action: `${EXPLORER}.read`, subject: 'plugin::users-permissions.user', field: 'avatar' },
];

type AddedField = { action: string; subject: string; field: string };

/**
 * Adds fields to the Moderator role's existing permissions, once per `flag` (an administrator's
 * later removal stays): only to permissions that list their fields and lack the field.
 */
async function addFieldsOnce(strapi: Core.Strapi, flag: string, added: AddedField[]): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: flag })) return;
  const role = await strapi.db.query('admin::role').findOne({ where: { code: MODERATOR_CODE } });
  if (role) {
    for (const { action, subject, field } of added) {
      const found = (await strapi.db.query('admin::permission').findOne({ where: { role: role.id, action, subject } })) as
        | { id: number; properties?: { fields?: string[] } }
        | null;
      const fields = found?.properties?.fields;
      if (!found || !Array.isArray(fields) || fields.includes(field)) continue;
      await strapi.db.query('admin::permission').update({ where: { id: found.id }, data: { properties: { ...found.properties, fields: [...fields, field] } } });
    }
  }
  await store.set({ key: flag, value: true });
}

/**
 * Databases whose Moderator role predates photos: its post and user permissions list their
 * fields, so moderators would not see the images. Adds those fields once.
 */
export async function addModeratorMediaFields(strapi: Core.Strapi): Promise<void> {
  await addFieldsOnce(strapi, MEDIA_FLAG, ADDED_FIELDS);
}

/** Read (not update) on `editedAt` of posts and comments, added once to an existing Moderator role. */
const EDITED_AT_FLAG = 'moderator-role-edited-at';
export async function addModeratorEditedAt(strapi: Core.Strapi): Promise<void> {
  await addFieldsOnce(
    strapi,
    EDITED_AT_FLAG,
    ['api::post.post', 'api::comment.comment'].map((subject) => ({ action: `${EXPLORER}.read`, subject, field: 'editedAt' }))
  );
}
