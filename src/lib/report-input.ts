import type { ReportInput } from '../api/report/services/report';
import { REPORT_REASONS } from '../api/report/services/report';
import { bodyOf, oneOf, text } from './input';

/** `{ reason: spam | abuse | illegal | other, details? (at most 1,000 characters) }` */
export function reportInput(raw: unknown): ReportInput {
  const body = bodyOf(raw);
  return {
    reason: oneOf(body, 'reason', REPORT_REASONS),
    details: text(body, 'details', { min: 0, max: 1_000, required: false }),
  };
}
