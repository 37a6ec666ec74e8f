import { q } from '../dialect';
import type { Tables } from '../tables';
import type { TriggerSpec } from '../triggers';

/**
 * A block removes the follows between the two users, both ways, whoever writes the block: the
 * route (which also deletes them itself, after the pair lock, src/db/repositories/users.ts), the
 * Content Manager (a `blocking` relation added to a user) or psql. The rows go as plain deletes,
 * so the follow triggers keep the counters and home timelines exact in the same transaction.
 */
export function blockTriggerSpecs(t: Tables, prefix: string): TriggerSpec[] {
  const { blocks: B, follows: F } = t;
  const unfollow = (row: 'NEW') =>
    `DELETE FROM ${q(F.table)}
      WHERE (${q(F.owner)} = ${row}.${q(B.owner)} AND ${q(F.target)} = ${row}.${q(B.target)})
         OR (${q(F.owner)} = ${row}.${q(B.target)} AND ${q(F.target)} = ${row}.${q(B.owner)})`;
  return [
    { name: `${prefix}block_insert`, table: B.table, events: ['INSERT'], body: [unfollow('NEW')] },
    { name: `${prefix}block_update`, table: B.table, events: [{ update: [B.owner, B.target] }], body: [unfollow('NEW')] },
  ];
}
