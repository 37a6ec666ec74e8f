import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Knex } from 'knex';
import { tables } from '../../../lib/tables';
import { iso } from '../../../lib/views';

export const REPORT_REASONS = ['spam', 'abuse', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export type ReportKind = 'post' | 'comment';
export type ReportInput = { reason: ReportReason; details: string };
export type ReportView = {
  id: number;
  documentId: string;
  reason: ReportReason;
  details: string | null;
  status: string;
  createdAt: string;
};
type Target = { id: number; documentId: string; label: string };
type Reporter = { id: number; documentId: string };

const REPORT = 'api::report.report';

/**
 * Reports from users. One open report per user per item: the check and the insert run in one
 * transaction that first locks the reported row (PostgreSQL; SQLite serialises writers), so two
 * concurrent reports by one user cannot both create a row. Each post and comment keeps the
 * number of its open reports in `openReports`, recomputed from the reports in the same
 * transaction, for the moderators' list views.
 */
export default factories.createCoreService(REPORT, ({ strapi }: { strapi: Core.Strapi }) => {
  const isPostgres = () => strapi.db.dialect.client === 'postgres';

  const toView = (row: Record<string, unknown>): ReportView => ({
    id: row.id as number,
    documentId: row.documentId as string,
    reason: row.reason as ReportReason,
    details: (row.details as string | null) ?? null,
    status: row.state as string,
    createdAt: iso(row.createdAt),
  });

  /** Recounts the open reports of one post or comment from the reports themselves. */
  const refreshOpenReports = async (db: Knex | Knex.Transaction, kind: ReportKind, targetId: number): Promise<void> => {
    const t = tables(strapi);
    const link = kind === 'post' ? t.reportPost : t.reportComment;
    const open = db(`${link.table} as l`)
      .join(`${t.reports} as r`, 'r.id', `l.${link.owner}`)
      .where(`l.${link.target}`, targetId)
      .where('r.state', 'open')
      .count('*');
    await db(kind === 'post' ? t.posts : t.comments)
      .where('id', targetId)
      .update({ open_reports: open });
  };

  return {
    refreshOpenReports,

    async fileReport(kind: ReportKind, target: Target, reporter: Reporter, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      const t = tables(strapi);
      return strapi.db.transaction(async ({ trx }) => {
        const lock = trx(kind === 'post' ? t.posts : t.comments).select('id').where('id', target.id);
        if (isPostgres()) lock.forUpdate();
        if (!(await lock.first())) throw new errors.NotFoundError(`The reported ${kind} no longer exists`);

        const existing = await strapi.db.query(REPORT).findOne({
          where: { state: 'open', reporter: { id: reporter.id }, [kind]: { id: target.id } },
        });
        if (existing) return { report: toView(existing), created: false };

        const created = await strapi.documents(REPORT).create({
          data: {
            reason: input.reason,
            details: input.details === '' ? undefined : input.details,
            state: 'open',
            target: target.label.slice(0, 255),
            reporter: reporter.documentId,
            [kind]: target.documentId,
          },
        });
        await refreshOpenReports(trx, kind, target.id);
        return { report: toView(created as unknown as Record<string, unknown>), created: true };
      });
    },
  };
});
