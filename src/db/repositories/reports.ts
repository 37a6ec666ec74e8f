import type { Core } from '@strapi/strapi';
import type { ReportReason } from '../../lib/report-input';
import { isPostgres } from '../dialect';
import { tables } from '../tables';
import type { Db } from './posts';

/** The reports aggregate: reports, and the open-report count each post and comment keeps. */
export type ReportKind = 'post' | 'comment';
export type StoredReport = Record<string, unknown>;
export type NewReport = { kind: ReportKind; reason: ReportReason; details?: string; label: string; reporterDocumentId: string; targetDocumentId: string };

const REPORT = 'api::report.report';

export function reportRepository(strapi: Core.Strapi) {
  const targetTable = (kind: ReportKind) => (kind === 'post' ? tables(strapi).posts : tables(strapi).comments);

  return {
    /** Locks the reported row for the transaction (PostgreSQL; SQLite serialises writers); false when it is gone. */
    async lockTarget(trx: Db, kind: ReportKind, id: number): Promise<boolean> {
      const query = trx(targetTable(kind)).select('id').where('id', id);
      if (isPostgres(strapi)) query.forUpdate();
      return Boolean(await query.first());
    },

    async findOpen(kind: ReportKind, targetId: number, reporterId: number): Promise<StoredReport | null> {
      return (await strapi.db.query(REPORT).findOne({
        where: { state: 'open', reporter: { id: reporterId }, [kind]: { id: targetId } },
      })) as StoredReport | null;
    },

    async create(report: NewReport): Promise<StoredReport> {
      return (await strapi.documents(REPORT).create({
        data: {
          reason: report.reason,
          details: report.details,
          state: 'open',
          target: report.label.slice(0, 255),
          reporter: report.reporterDocumentId,
          [report.kind]: report.targetDocumentId,
        },
      })) as unknown as StoredReport;
    },

    /** The posts and comments the reports matching `where` point at (for the Content Manager's hooks). */
    async targetsOf(where: Record<string, unknown>): Promise<Array<{ kind: ReportKind; id: number }>> {
      const rows = (await strapi.db.query(REPORT).findMany({
        where,
        select: ['id'],
        populate: { post: { select: ['id'] }, comment: { select: ['id'] } },
      })) as Array<{ post?: { id: number } | null; comment?: { id: number } | null }>;
      return rows.flatMap((row) => [
        ...(row.post ? [{ kind: 'post' as const, id: row.post.id }] : []),
        ...(row.comment ? [{ kind: 'comment' as const, id: row.comment.id }] : []),
      ]);
    },

    /** Recounts the open reports of one post or comment from the reports themselves. */
    async refreshOpenReports(db: Db, kind: ReportKind, targetId: number): Promise<void> {
      const t = tables(strapi);
      const link = kind === 'post' ? t.reportPost : t.reportComment;
      const open = db(`${link.table} as l`).join(`${t.reports} as r`, 'r.id', `l.${link.owner}`).where(`l.${link.target}`, targetId).where('r.state', 'open').count('*');
      await db(targetTable(kind)).where('id', targetId).update({ open_reports: open });
    },
  };
}
