import { bodyOf, oneOf, text } from './input';

export const REPORT_REASONS = ['spam', 'abuse', 'illegal', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export type ReportInput = { reason: ReportReason; details: string };

/** `{ reason: spam | abuse | illegal | other, details? (at most 1,000 characters) }` */
export function reportInput(raw: unknown): ReportInput {
  const body = bodyOf(raw);
  return {
    reason: oneOf(body, 'reason', REPORT_REASONS),
    details: text(body, 'details', { min: 0, max: 1_000, required: false }),
  };
}
