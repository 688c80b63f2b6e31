// Query results as the mysql client printed them for SER's serctl (acl show, showdb):
//
//   +------+-----+---------------------+
//   | user | grp | last_modified       |
//   +------+-----+---------------------+
//   | john | int | 2002-12-08 02:09:20 |
//   +------+-----+---------------------+

import type { DbValue, Row } from '../db/api.js';
import { formatDateTime } from '../db/schema.js';

/** A cell as mysql shows it: NULL, numbers as they are, date-times 'YYYY-MM-DD HH:MM:SS'. */
export function cell(v: DbValue | undefined): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return formatDateTime(v);
  return String(v);
}

/** The table of `rows` over `columns`; the empty string when there are no rows (as mysql). */
export function formatTable(columns: readonly string[], rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+\n';
  const line = (vals: readonly string[]) => '|' + vals.map((v, i) => ` ${v.padEnd(widths[i]!)} `).join('|') + '|\n';
  return rule + line(columns) + rule + cells.map(line).join('') + rule;
}
