// SQL text for the SQL adapters (SQLite, MySQL/MariaDB, PostgreSQL), built from the Db API's
// requests. Table and column names are checked against the schema (src/db/schema.ts) and quoted;
// every value travels as a bound parameter (`?` for SQLite and MySQL, `$1..$n` for PostgreSQL),
// never inside the SQL text. Values are passed through unchanged: Date objects stay Date objects,
// and the adapter converts them as its driver needs (SQLite: formatDateTime(), UTC text).

import { DbError, type DbCond, type DbOp, type DbQuery, type DbValue, type Row } from './api.js';
import { column, keySets, table as schemaTable, type Column, type Dialect, type Table } from './schema.js';

export interface Built {
  readonly sql: string;
  readonly params: DbValue[];
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A table or column name: [A-Za-z_][A-Za-z0-9_]* (at most 64 characters), else DbError 'bad-request'. */
export function checkIdent(name: string): string {
  if (typeof name !== 'string' || name.length > 64 || !IDENT_RE.test(name)) {
    throw new DbError(`bad identifier ${JSON.stringify(String(name)).slice(0, 80)}: expected letters, digits and '_', not starting with a digit`, 'bad-request');
  }
  return name;
}

/** The name checked and quoted for the dialect: `name` for MySQL, "name" for SQLite and PostgreSQL. */
export function quoteIdent(dialect: Dialect, name: string): string {
  checkIdent(name);
  return dialect === 'mysql' ? '`' + name + '`' : '"' + name + '"';
}

/** The schema's table of that name, else DbError 'bad-request'. */
export function requireTable(name: string): Table {
  checkIdent(name);
  const t = schemaTable(name);
  if (!t) throw new DbError(`unknown table '${name}' (not in the schema, src/db/schema.ts)`, 'bad-request');
  return t;
}

/** The table's column of that name, else DbError 'bad-request'. */
export function requireColumn(t: Table, name: string): Column {
  checkIdent(name);
  const c = column(t, name);
  if (!c) throw new DbError(`unknown column '${name}' in table '${t.name}'`, 'bad-request');
  return c;
}

/** A value the API accepts: string, finite number, valid Date, or null; else DbError 'bad-request'. */
export function checkValue(v: unknown, where: string): DbValue {
  if (v === null || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new DbError(`${where}: ${v} is not a finite number`, 'bad-request');
    return v;
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new DbError(`${where}: invalid Date`, 'bad-request');
    return v;
  }
  throw new DbError(`${where}: unsupported value type ${typeof v} (expected string, number, Date or null)`, 'bad-request');
}

const OPS: Readonly<Record<DbOp, string>> = { '=': '=', '!=': '<>', '<': '<', '>': '>', '<=': '<=', '>=': '>=' };

/** The columns a row gives (undefined values are left out), checked against the table. */
export function rowEntries(t: Table, row: Row): [Column, DbValue][] {
  if (row === null || typeof row !== 'object') throw new DbError('row: expected an object of column values', 'bad-request');
  const out: [Column, DbValue][] = [];
  for (const name of Object.keys(row)) {
    const v = (row as Record<string, unknown>)[name];
    if (v === undefined) continue;
    const c = requireColumn(t, name);
    out.push([c, checkValue(v, `${t.name}.${name}`)]);
  }
  return out;
}

/** Collects parameters and hands out the dialect's placeholders. */
class Params {
  readonly list: DbValue[] = [];
  constructor(private readonly dialect: Dialect) {}
  add(v: DbValue): string {
    this.list.push(v);
    return this.dialect === 'postgres' ? `$${this.list.length}` : '?';
  }
}

function whereClause(dialect: Dialect, t: Table, where: readonly DbCond[] | undefined, p: Params): string {
  if (where === undefined) return '';
  if (!Array.isArray(where)) throw new DbError('where: expected an array of conditions', 'bad-request');
  if (where.length === 0) return '';
  const parts: string[] = [];
  for (const cond of where) {
    if (cond === null || typeof cond !== 'object') throw new DbError('where: expected {col, op?, value}', 'bad-request');
    const c = requireColumn(t, cond.col);
    const op: DbOp = cond.op ?? '=';
    const sqlOp = OPS[op] as string | undefined;
    if (sqlOp === undefined) throw new DbError(`where: unknown operator ${JSON.stringify(op)} (expected = != < > <= >=)`, 'bad-request');
    const v = checkValue(cond.value, `${t.name}.${c.name}`);
    const name = quoteIdent(dialect, c.name);
    if (v === null) {
      // SQL's `= NULL` matches nothing; the API means "is NULL".
      if (op === '=') parts.push(`${name} IS NULL`);
      else if (op === '!=') parts.push(`${name} IS NOT NULL`);
      else throw new DbError(`where: NULL can only be compared with = or != (${c.name} ${op} NULL)`, 'bad-request');
    } else {
      parts.push(`${name} ${sqlOp} ${p.add(v)}`);
    }
  }
  return ' WHERE ' + parts.join(' AND ');
}

/** SELECT columns FROM table [WHERE ...] [ORDER BY col ASC|DESC] [LIMIT n]. */
export function buildSelect(dialect: Dialect, tableName: string, q: DbQuery = {}): Built {
  const t = requireTable(tableName);
  const p = new Params(dialect);
  let cols: readonly string[];
  if (q.columns !== undefined) {
    if (!Array.isArray(q.columns) || q.columns.length === 0) throw new DbError('columns: expected a non-empty array of column names', 'bad-request');
    cols = q.columns.map((n) => requireColumn(t, n).name);
  } else {
    cols = t.columns.map((c) => c.name);
  }
  let sql = `SELECT ${cols.map((n) => quoteIdent(dialect, n)).join(', ')} FROM ${quoteIdent(dialect, t.name)}`;
  sql += whereClause(dialect, t, q.where, p);
  if (q.orderBy !== undefined) {
    sql += ` ORDER BY ${quoteIdent(dialect, requireColumn(t, q.orderBy).name)} ${q.desc ? 'DESC' : 'ASC'}`;
  }
  if (q.limit !== undefined) {
    // The limit is not a column value: checked to be a non-negative integer and written as such
    // (MySQL's prepared statements reject some numeric parameter types in LIMIT).
    if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new DbError(`limit: expected a non-negative integer, got ${String(q.limit)}`, 'bad-request');
    sql += ` LIMIT ${q.limit}`;
  }
  return { sql, params: p.list };
}

/** INSERT INTO table (cols) VALUES (...); an empty row inserts the defaults. */
export function buildInsert(dialect: Dialect, tableName: string, row: Row): Built {
  const t = requireTable(tableName);
  const entries = rowEntries(t, row);
  const p = new Params(dialect);
  const tq = quoteIdent(dialect, t.name);
  if (entries.length === 0) {
    return { sql: dialect === 'mysql' ? `INSERT INTO ${tq} () VALUES ()` : `INSERT INTO ${tq} DEFAULT VALUES`, params: [] };
  }
  const cols = entries.map(([c]) => quoteIdent(dialect, c.name)).join(', ');
  const vals = entries.map(([, v]) => p.add(v)).join(', ');
  return { sql: `INSERT INTO ${tq} (${cols}) VALUES (${vals})`, params: p.list };
}

/** UPDATE table SET ... [WHERE ...]; parameters: the new values, then the conditions'. */
export function buildUpdate(dialect: Dialect, tableName: string, where: readonly DbCond[], set: Row): Built {
  const t = requireTable(tableName);
  const entries = rowEntries(t, set);
  if (entries.length === 0) throw new DbError(`update of ${t.name}: nothing to set`, 'bad-request');
  const p = new Params(dialect);
  const sets = entries.map(([c, v]) => `${quoteIdent(dialect, c.name)} = ${p.add(v)}`).join(', ');
  const sql = `UPDATE ${quoteIdent(dialect, t.name)} SET ${sets}` + whereClause(dialect, t, where, p);
  return { sql, params: p.list };
}

/** DELETE FROM table [WHERE ...]; without conditions every row goes. */
export function buildDelete(dialect: Dialect, tableName: string, where?: readonly DbCond[]): Built {
  const t = requireTable(tableName);
  const p = new Params(dialect);
  const sql = `DELETE FROM ${quoteIdent(dialect, t.name)}` + whereClause(dialect, t, where, p);
  return { sql, params: p.list };
}

/**
 * The key of a replace: its columns must be the table's primary key or one of its unique keys
 * (in any order), and the row must give each of them.
 */
export function checkReplaceKey(t: Table, row: Row, key: readonly string[]): readonly string[] {
  if (!Array.isArray(key) || key.length === 0) throw new DbError(`replace into ${t.name}: expected the key columns`, 'bad-request');
  for (const k of key) requireColumn(t, k);
  const want = [...key].sort().join(',');
  const match = keySets(t).find((ks) => [...ks].sort().join(',') === want);
  if (!match) {
    const have = keySets(t).map((ks) => `(${ks.join(', ')})`).join(' or ');
    throw new DbError(`replace into ${t.name}: (${key.join(', ')}) is not a key of the table${have ? `; its keys: ${have}` : '; it has no key'}`, 'bad-request');
  }
  for (const k of key) {
    if ((row as Record<string, unknown>)[k] === undefined) throw new DbError(`replace into ${t.name}: the row gives no value for key column '${k}'`, 'bad-request');
  }
  return key;
}

/**
 * Insert, or update the row whose `key` columns have the row's values:
 * SQLite `INSERT ... ON CONFLICT(key) DO UPDATE SET c = excluded.c`,
 * PostgreSQL `INSERT ... ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c`,
 * MySQL `INSERT ... ON DUPLICATE KEY UPDATE c = ?` (the value again as a parameter).
 */
export function buildReplace(dialect: Dialect, tableName: string, row: Row, key: readonly string[]): Built {
  const t = requireTable(tableName);
  const entries = rowEntries(t, row);
  checkReplaceKey(t, row, key);
  const keySet = new Set(key);
  const p = new Params(dialect);
  const tq = quoteIdent(dialect, t.name);
  const cols = entries.map(([c]) => quoteIdent(dialect, c.name)).join(', ');
  const vals = entries.map(([, v]) => p.add(v)).join(', ');
  let sql = `INSERT INTO ${tq} (${cols}) VALUES (${vals})`;
  const rest = entries.filter(([c]) => !keySet.has(c.name));
  if (dialect === 'mysql') {
    if (rest.length === 0) {
      const k = quoteIdent(dialect, key[0]!);
      sql += ` ON DUPLICATE KEY UPDATE ${k} = ${k}`;
    } else {
      sql += ' ON DUPLICATE KEY UPDATE ' + rest.map(([c, v]) => `${quoteIdent(dialect, c.name)} = ${p.add(v)}`).join(', ');
    }
  } else {
    const target = key.map((k) => quoteIdent(dialect, k)).join(', ');
    const excluded = dialect === 'postgres' ? 'EXCLUDED' : 'excluded';
    sql += dialect === 'postgres' ? ` ON CONFLICT (${target})` : ` ON CONFLICT(${target})`;
    sql += rest.length === 0 ? ' DO NOTHING'
      : ' DO UPDATE SET ' + rest.map(([c]) => `${quoteIdent(dialect, c.name)} = ${excluded}.${quoteIdent(dialect, c.name)}`).join(', ');
  }
  return { sql, params: p.list };
}

/**
 * Raw SQL with `?` placeholders made PostgreSQL's `$1..$n`, leaving alone question marks inside
 * '...' and E'...' strings, "..." identifiers, $tag$...$tag$ strings and comments.
 */
export function toPositional(sql: string): string {
  let out = '';
  let n = 0;
  let i = 0;
  const len = sql.length;
  while (i < len) {
    const ch = sql[i]!;
    if (ch === '?') {
      out += `$${++n}`;
      i++;
      continue;
    }
    let end = i + 1;
    if (ch === "'") {
      const backslash = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && (i < 2 || !/[A-Za-z0-9_]/.test(sql[i - 2]!));
      end = i + 1;
      while (end < len) {
        if (backslash && sql[end] === '\\') { end += 2; continue; }
        if (sql[end] === "'") {
          if (sql[end + 1] === "'") { end += 2; continue; }
          end++;
          break;
        }
        end++;
      }
    } else if (ch === '"') {
      end = sql.indexOf('"', i + 1);
      end = end < 0 ? len : end + 1;
      while (end < len && sql[end] === '"') { // "" inside an identifier
        const next = sql.indexOf('"', end + 1);
        end = next < 0 ? len : next + 1;
      }
    } else if (ch === '-' && sql[i + 1] === '-') {
      end = sql.indexOf('\n', i);
      end = end < 0 ? len : end;
    } else if (ch === '/' && sql[i + 1] === '*') {
      end = sql.indexOf('*/', i + 2);
      end = end < 0 ? len : end + 2;
    } else if (ch === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m && !(i > 0 && /[A-Za-z0-9_]/.test(sql[i - 1]!))) {
        const close = sql.indexOf(m[0], i + m[0].length);
        end = close < 0 ? len : close + m[0].length;
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  return out;
}
