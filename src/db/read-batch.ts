// Lookups that wait for a connection, sent together. Under load every connection of the pool is
// busy and lookups queue; those with the same statement text (auth_db's subscriber lookup on
// every authenticated request, differing only in its values) then go as one statement, one
// round trip. Each lookup keeps its own SELECT as a branch of a UNION ALL, so the database
// compares exactly as it would for that lookup alone (MySQL's case-insensitive collations
// included), and a literal index in each branch hands every row back to its lookup.

import type { DbValue, Row } from './api.js';
import type { Dialect } from './schema.js';
import type { Built } from './sql-build.js';

/** The column that tells which lookup a row belongs to (no table of the schema has it). */
export const BATCH_INDEX = 'ser_batch_index';

/** The most lookups one statement carries. */
export const MAX_BATCH = 25;

/**
 * One statement for several lookups of the same built SELECT text, with their values:
 * `(SELECT 0 AS ser_batch_index, … LIMIT 1) UNION ALL (SELECT 1 AS ser_batch_index, …)`.
 * Built statements start with `SELECT ` and carry every value as a parameter; PostgreSQL's
 * numbered parameters are renumbered branch by branch.
 */
export function unionOf(dialect: Dialect, sql: string, values: readonly (readonly DbValue[])[]): Built {
  const body = sql.slice('SELECT '.length);
  const branches: string[] = [];
  const params: DbValue[] = [];
  for (let i = 0; i < values.length; i++) {
    const offset = params.length;
    const text = dialect === 'postgres' ? body.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`) : body;
    branches.push(`(SELECT ${i} AS ${BATCH_INDEX}, ${text})`);
    params.push(...values[i]!);
  }
  return { sql: branches.join(' UNION ALL '), params };
}

/** The rows of a union statement, by lookup, without the index column. */
export function splitRows(rows: readonly Row[], lookups: number): Row[][] {
  const out: Row[][] = Array.from({ length: lookups }, () => []);
  for (const r of rows) {
    const { [BATCH_INDEX]: index, ...row } = r;
    out[Number(index)]?.push(row);
  }
  return out;
}
