import type { StrapiApp } from '@strapi/strapi/admin';
import { Shield } from '@strapi/icons';
import { quietScreens } from './moderation/quiet';
import { reportsOpenOnOpen } from './moderation/report-filter';
import { hideSettingsWithoutPermission } from './moderation/settings-gear';
import { showRelationCounts } from './moderation/list-counts';

/**
 * The app's own admin extension, compiled by `strapi build` with the panel (no plugin build
 * step): the Moderation page in the main navigation, its home-page widget, and the removal of
 * Strapi's guided tour, banners and release notifications. The menu entry and the widget need the
 * console's read action (admin::moderation.read, registered by the server in src/moderation).
 */
const READ = [{ action: 'admin::moderation.read', subject: null }];

export default {
  config: {
    locales: [],
    tutorials: false,
    notifications: { releases: false },
  },
  register(app: StrapiApp) {
    quietScreens();
    reportsOpenOnOpen();
    hideSettingsWithoutPermission(app);
    app.addMenuLink({
      to: 'moderation',
      icon: Shield,
      intlLabel: { id: 'social.moderation.menu', defaultMessage: 'Moderation' },
      permissions: READ,
      position: 2,
      Component: () => import('./moderation/ModerationPage'),
    } as never);
    app.widgets.register({
      id: 'moderation-overview',
      icon: Shield,
      title: { id: 'social.moderation.widget', defaultMessage: 'Moderation' },
      component: async () => (await import('./moderation/Widget')).ModerationWidget,
      permissions: READ,
    } as never);
  },
  bootstrap(app: StrapiApp) {
    showRelationCounts(app);
  },
};
