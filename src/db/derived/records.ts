import { flagSql as flag, q, type Dialect } from '../dialect';
import type { Tables } from '../tables';
import type { TriggerSpec } from '../triggers';

/**
 * The counters of a user's moderation record (src/db/repositories/user-record.ts): comments,
 * hidden comments, reports against them and open reports against them, next to the posts and
 * hidden posts social_user_stats already keeps. They are columns of social_user_stats rather
 * than a table of their own: every user has that row from birth, so the record is one
 * primary-key lookup (the LEFT JOIN the profile already does), and a comment or a report against
 * the author locks the author's row the way a post by them does.
 *
 * Two derived tables make every trigger move only what is linked at that moment, so the order in
 * which a cascade removes links does not matter (a post's author link may go before or after its
 * report links, a report row before its links):
 * - `social_author_comments` (author, comment, hidden flag), like social_author_posts: the record
 *   of "this comment is counted for this user", with the flag it was counted with, so a removal
 *   subtracts what was added even when the comment row is already gone.
 * - `social_report_targets` (kind, item, report, open flag): one row per report link (a report's
 *   post or comment), with whether the report counted as open, so a removal is right even when
 *   the report row is already gone.
 * The invariant: a user's reports_against is the number of (author row, report target) pairs of
 * one item, over social_author_posts and social_author_comments (open_reports_against: those
 * with the open flag). Each trigger keeps it: an author row added or removed moves the item's
 * current targets; a target added or removed, or its flag changed, moves the item's current
 * authors. verify.ts checks every figure against the COUNT(*) it replaces.
 *
 * Concurrency (PostgreSQL, READ COMMITTED): a report of an item and a change of the item's author
 * each read what the other writes (the item's authors, its report targets), so two of them at
 * once could each miss the other's uncommitted row. Each trigger therefore first locks the item's
 * row (and a report link trigger the report's row, against a concurrent change of its state),
 * then reads in new statements (new snapshots), so whichever comes second sees what the first
 * committed. The app's own writers already hold the item's lock there (a report, a console
 * decision, the Content Manager's update of the entry, a delete); the triggers make it hold for
 * psql and other processes too. SQLite has one writer.
 */
export const RECORD = {
  authorComments: 'social_author_comments',
  reportTargets: 'social_report_targets',
} as const;

/** The columns social_user_stats gets for the record (definitions.ts creates the table). */
export const RECORD_COLUMNS = `comments integer NOT NULL DEFAULT 0, hidden_comments integer NOT NULL DEFAULT 0,
       reports_against integer NOT NULL DEFAULT 0, open_reports_against integer NOT NULL DEFAULT 0`;

export function recordTableStatements(): string[] {
  const { authorComments: ac, reportTargets: rt } = RECORD;
  return [
    `CREATE TABLE ${q(ac)} (user_id integer NOT NULL, comment_id integer NOT NULL, hidden integer NOT NULL DEFAULT 0)`,
    `CREATE UNIQUE INDEX social_author_comments_pair ON ${q(ac)} (comment_id, user_id)`,
    `CREATE TABLE ${q(rt)} (kind varchar(16) NOT NULL, item_id integer NOT NULL, report_id integer NOT NULL, is_open integer NOT NULL DEFAULT 0,
       PRIMARY KEY (kind, item_id, report_id))`,
    `CREATE INDEX social_report_targets_report ON ${q(rt)} (report_id)`,
  ];
}

export const recordDropTableNames = (): string[] => [RECORD.authorComments, RECORD.reportTargets];
export const recordAnalyzedTables = (): string[] => [RECORD.authorComments, RECORD.reportTargets];

type Kind = 'post' | 'comment';
type Names = { us: string; ap: string };

/**
 * PostgreSQL: locks the rows of `table` that `where` selects until the transaction ends (in id
 * order), so the trigger's next statements read what a concurrent writer of them committed;
 * rows this transaction deleted are skipped. SQLite, one writer: nothing.
 */
export const lockRows = (dialect: Dialect, table: string, where: string, mode: 'NO KEY UPDATE' | 'SHARE' = 'NO KEY UPDATE'): string[] =>
  dialect === 'postgres' ? [`PERFORM 1 FROM ${q(table)} WHERE ${where} ORDER BY id FOR ${mode}`] : [];

/** Per kind: its report link, and the derived author table with its item column. */
const kinds = (t: Tables, ap: string) =>
  [
    { kind: 'post', link: t.reportPost, authors: ap, item: 'post_id' },
    { kind: 'comment', link: t.reportComment, authors: RECORD.authorComments, item: 'comment_id' },
  ] as const;

const isOpen = (state: string) => `(CASE WHEN ${state} = 'open' THEN 1 ELSE 0 END)`;

/**
 * The SET items that move an item's current report targets onto a user (sign 1) or off (-1):
 * for the author-link triggers, folded into their UPDATE of the user's row.
 */
export function reportsAgainstSet(kind: Kind, itemExpr: string, sign: 1 | -1): string {
  const rt = q(RECORD.reportTargets);
  const op = sign === 1 ? '+' : '-';
  const of = `FROM ${rt} WHERE kind = '${kind}' AND item_id = ${itemExpr}`;
  return `reports_against = reports_against ${op} (SELECT count(*) ${of}),
       open_reports_against = open_reports_against ${op} (SELECT COALESCE(sum(is_open), 0) ${of})`;
}

/** Run after social_user_stats and social_author_posts are filled, before the triggers exist. */
export function recordBackfillStatements(t: Tables, { us, ap }: Names): string[] {
  const { authorComments: ac, reportTargets: rt } = RECORD;
  const CA = t.commentAuthor;
  const pairs = kinds(t, ap)
    .map(({ kind, authors, item }) => `SELECT a.user_id AS uid, x.is_open FROM ${q(authors)} a JOIN ${q(rt)} x ON x.kind = '${kind}' AND x.item_id = a.${item}`)
    .join(' UNION ALL ');
  return [
    `INSERT INTO ${q(ac)} (user_id, comment_id, hidden)
       SELECT a.${q(CA.target)}, c.id, ${flag('c.hidden')} FROM ${q(CA.table)} a JOIN ${q(t.comments)} c ON c.id = a.${q(CA.owner)}`,
    ...kinds(t, ap).map(
      ({ kind, link }) =>
        `INSERT INTO ${q(rt)} (kind, item_id, report_id, is_open)
           SELECT '${kind}', l.${q(link.target)}, r.id, ${isOpen('r.state')} FROM ${q(link.table)} l JOIN ${q(t.reports)} r ON r.id = l.${q(link.owner)}`
    ),
    `UPDATE ${q(us)} SET comments = x.n, hidden_comments = x.hidden
       FROM (SELECT user_id AS uid, count(*) AS n, sum(hidden) AS hidden FROM ${q(ac)} GROUP BY user_id) x
      WHERE ${q(us)}.user_id = x.uid`,
    `UPDATE ${q(us)} SET reports_against = x.n, open_reports_against = x.o
       FROM (SELECT uid, count(*) AS n, sum(is_open) AS o FROM (${pairs}) y GROUP BY uid) x
      WHERE ${q(us)}.user_id = x.uid`,
  ];
}

export function recordTriggerSpecs(t: Tables, dialect: Dialect, { us, ap }: Names, name: (suffix: string) => string): TriggerSpec[] {
  const { authorComments: ac, reportTargets: rt } = RECORD;
  const CA = t.commentAuthor;

  // A comment's author: the social_author_comments row first, then the counters from it (the
  // row is the record of "counted", and removal subtracts exactly what it holds).
  const authorAdd = [
    ...lockRows(dialect, t.comments, `id = NEW.${q(CA.owner)}`),
    `INSERT INTO ${q(ac)} (user_id, comment_id, hidden)
       SELECT NEW.${q(CA.target)}, c.id, ${flag('c.hidden')} FROM ${q(t.comments)} c WHERE c.id = NEW.${q(CA.owner)}`,
    `UPDATE ${q(us)} SET comments = comments + 1, hidden_comments = hidden_comments + x.hidden,
       ${reportsAgainstSet('comment', `NEW.${q(CA.owner)}`, 1)}
       FROM (SELECT hidden FROM ${q(ac)} WHERE comment_id = NEW.${q(CA.owner)} AND user_id = NEW.${q(CA.target)}) x
      WHERE user_id = NEW.${q(CA.target)}`,
  ];
  const authorRemove = [
    ...lockRows(dialect, t.comments, `id = OLD.${q(CA.owner)}`),
    `UPDATE ${q(us)} SET comments = comments - 1, hidden_comments = hidden_comments - x.hidden,
       ${reportsAgainstSet('comment', `OLD.${q(CA.owner)}`, -1)}
       FROM (SELECT hidden FROM ${q(ac)} WHERE comment_id = OLD.${q(CA.owner)} AND user_id = OLD.${q(CA.target)}) x
      WHERE user_id = OLD.${q(CA.target)}`,
    `DELETE FROM ${q(ac)} WHERE comment_id = OLD.${q(CA.owner)} AND user_id = OLD.${q(CA.target)}`,
  ];

  const specs: TriggerSpec[] = [
    { name: name('record_comment_author_insert'), table: CA.table, events: ['INSERT'], body: authorAdd },
    { name: name('record_comment_author_delete'), table: CA.table, events: ['DELETE'], body: authorRemove },
    { name: name('record_comment_author_update'), table: CA.table, events: [{ update: [CA.owner, CA.target] }], body: [...authorRemove, ...authorAdd] },
  ];

  // A report link: its target row (with the report's open flag now), and the item's current
  // authors moved by it. Removal subtracts the stored flag: the report row may be gone already.
  for (const { kind, link, authors, item } of kinds(t, ap)) {
    const items = kind === 'post' ? t.posts : t.comments;
    const lock = (row: 'NEW' | 'OLD') => [
      ...lockRows(dialect, t.reports, `id = ${row}.${q(link.owner)}`, 'SHARE'),
      ...lockRows(dialect, items, `id = ${row}.${q(link.target)}`),
    ];
    const target = (row: 'NEW' | 'OLD') => `kind = '${kind}' AND item_id = ${row}.${q(link.target)} AND report_id = ${row}.${q(link.owner)}`;
    const authorsOf = (row: 'NEW' | 'OLD') => `SELECT user_id FROM ${q(authors)} WHERE ${item} = ${row}.${q(link.target)}`;
    const add = [
      ...lock('NEW'),
      `INSERT INTO ${q(rt)} (kind, item_id, report_id, is_open)
         SELECT '${kind}', NEW.${q(link.target)}, r.id, ${isOpen('r.state')} FROM ${q(t.reports)} r WHERE r.id = NEW.${q(link.owner)}`,
      `UPDATE ${q(us)} SET reports_against = reports_against + 1, open_reports_against = open_reports_against + x.is_open
         FROM (SELECT is_open FROM ${q(rt)} WHERE ${target('NEW')}) x
        WHERE user_id IN (${authorsOf('NEW')})`,
    ];
    const remove = [
      ...lock('OLD'),
      `UPDATE ${q(us)} SET reports_against = reports_against - 1, open_reports_against = open_reports_against - x.is_open
         FROM (SELECT is_open FROM ${q(rt)} WHERE ${target('OLD')}) x
        WHERE user_id IN (${authorsOf('OLD')})`,
      `DELETE FROM ${q(rt)} WHERE ${target('OLD')}`,
    ];
    specs.push(
      { name: name(`record_report_${kind}_insert`), table: link.table, events: ['INSERT'], body: add },
      { name: name(`record_report_${kind}_delete`), table: link.table, events: ['DELETE'], body: remove },
      { name: name(`record_report_${kind}_update`), table: link.table, events: [{ update: [link.owner, link.target] }], body: [...remove, ...add] }
    );
  }

  // A report opened or closed (a moderator's decision, the Content Manager, psql): the open flag
  // of its targets whose flag differs, and the open count of each current author of those items
  // (one report may point at a post and a comment of one author: count the pairs).
  const now = isOpen('NEW.state');
  const pairsOf = (user: string) =>
    kinds(t, ap)
      .map(
        ({ kind, authors, item }) =>
          `(SELECT count(*) FROM ${q(rt)} x JOIN ${q(authors)} a ON a.${item} = x.item_id
             WHERE x.kind = '${kind}' AND x.report_id = NEW.id AND x.is_open <> ${now} AND a.user_id = ${user})`
      )
      .join(' + ');
  const usersOf = kinds(t, ap)
    .map(
      ({ kind, authors, item }) =>
        `SELECT a.user_id FROM ${q(rt)} x JOIN ${q(authors)} a ON a.${item} = x.item_id WHERE x.kind = '${kind}' AND x.report_id = NEW.id AND x.is_open <> ${now}`
    )
    .join(' UNION ');
  specs.push({
    name: name('record_report_state'),
    table: t.reports,
    events: [{ update: ['state'] }],
    when: `${isOpen('OLD.state')} <> ${now}`,
    body: [
      // The report's row is locked by the UPDATE itself; its items next (a post before a comment).
      ...kinds(t, ap).flatMap(({ kind }) =>
        lockRows(dialect, kind === 'post' ? t.posts : t.comments, `id IN (SELECT item_id FROM ${q(rt)} WHERE kind = '${kind}' AND report_id = NEW.id)`)
      ),
      `UPDATE ${q(us)} SET open_reports_against = open_reports_against + (CASE WHEN ${now} = 1 THEN 1 ELSE -1 END) * (${pairsOf(`${q(us)}.user_id`)})
        WHERE user_id IN (${usersOf})`,
      `UPDATE ${q(rt)} SET is_open = ${now} WHERE report_id = NEW.id`,
    ],
  });
  return specs;
}

/** Appended to the comment `hidden` trigger (definitions.ts): hidden_comments by the stored flag. */
export function recordCommentHiddenBody({ us }: Names): string[] {
  const ac = q(RECORD.authorComments);
  return [
    `UPDATE ${q(us)} SET hidden_comments = hidden_comments + (CASE WHEN ${flag('NEW.hidden')} = 1 THEN 1 ELSE -1 END)
      WHERE user_id IN (SELECT user_id FROM ${ac} WHERE comment_id = NEW.id AND hidden <> ${flag('NEW.hidden')})`,
    `UPDATE ${ac} SET hidden = ${flag('NEW.hidden')} WHERE comment_id = NEW.id`,
  ];
}
