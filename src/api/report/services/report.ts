import { factories, type Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { repositories } from '../../../db/repositories';
import type { ReportKind } from '../../../db/repositories/reports';
import type { ReportInput, ReportReason } from '../../../lib/report-input';
import { iso, type ReportView } from '../../../lib/shapes';

export type { ReportKind, ReportInput, ReportView };
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
  const { reports } = repositories(strapi);

  const toView = (row: Record<string, unknown>): ReportView => ({
    id: row.id as number,
    documentId: row.documentId as string,
    reason: row.reason as ReportReason,
    details: (row.details as string | null) ?? null,
    status: row.state as string,
    createdAt: iso(row.createdAt),
  });

  return {
    refreshOpenReports: reports.refreshOpenReports,

    async fileReport(kind: ReportKind, target: Target, reporter: Reporter, input: ReportInput): Promise<{ report: ReportView; created: boolean }> {
      return strapi.db.transaction(async ({ trx }) => {
        if (!(await reports.lockTarget(trx, kind, target.id))) throw new errors.NotFoundError(`The reported ${kind} no longer exists`);
        const existing = await reports.findOpen(kind, target.id, reporter.id);
        if (existing) return { report: toView(existing), created: false };
        const created = await reports.create({
          kind,
          reason: input.reason,
          details: input.details === '' ? undefined : input.details,
          label: target.label,
          reporterDocumentId: reporter.documentId,
          targetDocumentId: target.documentId,
        });
        await reports.refreshOpenReports(trx, kind, target.id);
        return { report: toView(created), created: true };
      });
    },
  };
});
