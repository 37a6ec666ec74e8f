import type { Core } from '@strapi/strapi';
import type reportService from '../api/report/services/report';

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
  const service = () => strapi.service('api::report.report') as unknown as ReturnType<typeof reportService>;

  const targetsOf = async (where: Record<string, unknown> | undefined): Promise<Targets> => {
    if (!where) return [];
    const rows = (await strapi.db.query('api::report.report').findMany({
      where,
      select: ['id'],
      populate: { post: { select: ['id'] }, comment: { select: ['id'] } },
    })) as Array<{ post?: { id: number } | null; comment?: { id: number } | null }>;
    return rows.flatMap((row) => [
      ...(row.post ? [{ kind: 'post' as const, id: row.post.id }] : []),
      ...(row.comment ? [{ kind: 'comment' as const, id: row.comment.id }] : []),
    ]);
  };

  const refresh = async (targets: Targets) => {
    // Inside the Content Manager's transaction (nested calls reuse it): SQLite has one connection.
    await strapi.db.transaction(async ({ trx }) => {
      for (const target of targets) await service().refreshOpenReports(trx, target.kind, target.id);
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
    },
    async afterUpdate(event: Event) {
      const after = await targetsOf(event.params.where);
      await refresh([...((event.state.targets as Targets) ?? []), ...after]);
    },
    async beforeDelete(event: Event) {
      event.state.targets = await targetsOf(event.params.where);
    },
    async afterDelete(event: Event) {
      await refresh((event.state.targets as Targets) ?? []);
    },
  });
}
