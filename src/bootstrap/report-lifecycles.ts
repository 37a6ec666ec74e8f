import type { Core } from '@strapi/strapi';
import { repositories } from '../db/repositories';

type Event = {
  params: { data?: Record<string, unknown>; where?: Record<string, unknown> };
  result?: { id?: number } | Array<{ id?: number }>;
  state: Record<string, unknown>;
};
type Targets = Array<{ kind: 'post' | 'comment'; id: number }>;

/**
 * Moderators work reports in the Content Manager. When a report's status changes there, record
 * who closed it and when, and recount the open reports of the post or comment it points at.
 */
export function subscribeReportLifecycles(strapi: Core.Strapi): void {
  const { reports } = repositories(strapi);

  const targetsOf = async (where: Record<string, unknown> | undefined): Promise<Targets> => (where ? reports.targetsOf(where) : []);

  const refresh = async (targets: Targets) => {
    // Inside the Content Manager's transaction (nested calls reuse it): SQLite has one connection.
    await strapi.db.transaction(async ({ trx }) => {
      for (const target of targets) await reports.refreshOpenReports(trx, target.kind, target.id);
    });
  };

  /**
   * Locks the reported posts and comments before the report's own row (posts first, then
   * comments, each by id: the order of the triggers and of the console). The UPDATE or DELETE of a
   * report locks its row, then its triggers lock its items (src/db/derived/records.ts); a console
   * decision locks the item, then its reports. Those opposite orders could deadlock, and
   * PostgreSQL would abort one of the two (a 500). Taken here, in the Content Manager's
   * transaction, the item comes first on both sides.
   */
  const lockTargets = async (targets: Targets) => {
    const ordered = [...targets].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'post' ? -1 : 1));
    await strapi.db.transaction(async ({ trx }) => {
      for (const target of ordered) await reports.lockTarget(trx, target.kind, target.id);
    });
  };

  const stamp = (data: Record<string, unknown> | undefined) => {
    if (!data || typeof data.state !== 'string') return;
    if (data.state === 'open') {
      data.resolvedBy = null;
      data.resolvedAt = null;
      return;
    }
    const admin = strapi.requestContext.get()?.state?.user as { firstname?: string; lastname?: string; email?: string } | undefined;
    if (admin) {
      data.resolvedBy = [admin.firstname, admin.lastname].filter(Boolean).join(' ') + (admin.email ? ` <${admin.email}>` : '');
    }
    data.resolvedAt = new Date();
  };

  strapi.db.lifecycles.subscribe({
    models: ['api::report.report'],
    async beforeUpdate(event: Event) {
      stamp(event.params.data);
      event.state.targets = await targetsOf(event.params.where);
      await lockTargets(event.state.targets as Targets);
    },
    async afterUpdate(event: Event) {
      const after = await targetsOf(event.params.where);
      await refresh([...((event.state.targets as Targets) ?? []), ...after]);
    },
    async beforeDelete(event: Event) {
      event.state.targets = await targetsOf(event.params.where);
      await lockTargets(event.state.targets as Targets);
    },
    async afterDelete(event: Event) {
      await refresh((event.state.targets as Targets) ?? []);
    },
  });
}
