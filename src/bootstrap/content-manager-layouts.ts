import type { Core } from '@strapi/strapi';

/**
 * The Content Manager's list and edit views as moderators need them, configured on first boot
 * only (an administrator's later "Configure the view" changes are kept).
 */
type View = {
  list: string[];
  /** For relation fields: which field of the related entry names it in this view. */
  relationLabels?: Record<string, string>;
  mainField?: string;
  labels?: Record<string, string>;
  readOnly?: string[];
  searchable?: string[];
};

export const VIEWS: Record<string, View> = {
  'api::post.post': {
    list: ['id', 'title', 'author', 'likedBy', 'comments', 'hidden', 'openReports', 'createdAt'],
    mainField: 'title',
    labels: { likedBy: 'likes', comments: 'comments', openReports: 'open reports', createdAt: 'created' },
    readOnly: ['openReports'],
    relationLabels: { author: 'username', likedBy: 'username', comments: 'content', reports: 'target' },
  },
  'api::comment.comment': {
    list: ['id', 'content', 'author', 'post', 'hidden', 'openReports', 'createdAt'],
    mainField: 'content',
    labels: { openReports: 'open reports', createdAt: 'created' },
    readOnly: ['openReports'],
    relationLabels: { author: 'username', post: 'title', reports: 'target' },
  },
  'api::report.report': {
    list: ['id', 'reason', 'target', 'reporter', 'state', 'createdAt'],
    mainField: 'target',
    labels: { state: 'status', createdAt: 'reported' },
    readOnly: ['target', 'resolvedBy', 'resolvedAt'],
    relationLabels: { reporter: 'username', post: 'title', comment: 'content' },
  },
  'plugin::users-permissions.user': {
    list: ['id', 'username', 'email', 'blocked', 'createdAt'],
    mainField: 'username',
    labels: { createdAt: 'joined' },
  },
};

type Metadata = { list?: Record<string, unknown>; edit?: Record<string, unknown> };
type Configuration = {
  settings: Record<string, unknown>;
  metadatas: Record<string, Metadata>;
  layouts: { list: string[]; edit: unknown };
};

// The flag keeps its first name: existing databases have it set.
const FLAG = 'admin-views-configured';

export async function configureContentManagerLayouts(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: FLAG })) return;
  const contentTypes = strapi.plugin('content-manager').service('content-types');

  for (const [uid, view] of Object.entries(VIEWS)) {
    const contentType = contentTypes.findContentType(uid);
    const configuration = (await contentTypes.findConfiguration(contentType)) as Configuration;
    const { settings, metadatas, layouts } = configuration;
    layouts.list = view.list;
    settings.defaultSortBy = 'createdAt';
    settings.defaultSortOrder = 'DESC';
    settings.searchable = true;
    settings.pageSize = 20;
    if (view.mainField) settings.mainField = view.mainField;
    for (const [field, label] of Object.entries(view.labels ?? {})) {
      if (metadatas[field]?.list) metadatas[field].list = { ...metadatas[field].list, label };
    }
    for (const [field, mainField] of Object.entries(view.relationLabels ?? {})) {
      for (const side of ['list', 'edit'] as const) {
        if (metadatas[field]?.[side]) metadatas[field][side] = { ...metadatas[field][side], mainField };
      }
    }
    for (const field of view.readOnly ?? []) {
      if (metadatas[field]?.edit) metadatas[field].edit = { ...metadatas[field].edit, editable: false };
    }
    await contentTypes.updateConfiguration(contentType, { settings, metadatas, layouts });
  }
  await store.set({ key: FLAG, value: true });
}

/**
 * The console's adjustments (issue 15), made once on databases configured before it, and on new
 * ones right after the views above: the report's workflow field reads "status" in the edit view as
 * in the list and the API, and `editedAt` (set by the API when an author edits) is read-only.
 */
const MODERATION_FLAG = 'admin-views-configured-moderation';
const ADJUSTMENTS: Record<string, { editLabels?: Record<string, string>; readOnly?: string[] }> = {
  'api::post.post': { readOnly: ['editedAt'] },
  'api::comment.comment': { readOnly: ['editedAt'] },
  'api::report.report': { editLabels: { state: 'status' } },
};

export async function configureModerationViews(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: MODERATION_FLAG })) return;
  const contentTypes = strapi.plugin('content-manager').service('content-types');
  for (const [uid, change] of Object.entries(ADJUSTMENTS)) {
    const contentType = contentTypes.findContentType(uid);
    const { settings, metadatas, layouts } = (await contentTypes.findConfiguration(contentType)) as Configuration;
    for (const [field, label] of Object.entries(change.editLabels ?? {})) {
      if (metadatas[field]?.edit) metadatas[field].edit = { ...metadatas[field].edit, label };
      if (metadatas[field]?.list) metadatas[field].list = { ...metadatas[field].list, label };
    }
    for (const field of change.readOnly ?? []) {
      if (metadatas[field]?.edit) metadatas[field].edit = { ...metadatas[field].edit, editable: false };
    }
    await contentTypes.updateConfiguration(contentType, { settings, metadatas, layouts });
  }
  await store.set({ key: MODERATION_FLAG, value: true });
}
