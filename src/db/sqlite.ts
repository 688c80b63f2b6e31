// The SQLite adapter (the embedded default), on better-sqlite3. One connection per process, in
// WAL mode with synchronous=NORMAL (a commit is an append to the write-ahead log, synced at
// checkpoints; a crash of the machine may lose the last commits, never the file) and a busy
// timeout, so that serctl or a second process can read and write while ser runs. The schema
// (src/db/schema.ts) is created on open when tables are missing.
//
// better-sqlite3 is synchronous: each call below runs on the event loop. An INSERT or an indexed
// SELECT on location takes some tens of microseconds, about what handling one SIP request costs,
// and reads never wait for the disk; about one write in 250 pays for a WAL checkpoint (5-20 ms,
// a sync to disk). Figures, method and why that is acceptable: docs/configuration.md, "Databases".
// A lock held by another process makes a call wait at most busyTimeoutMs (default 1 s).
//
// Date-times are stored as UTC text 'YYYY-MM-DD HH:MM:SS' (as SQLite's CURRENT_TIMESTAMP), which
// sorts and compares as time does; Date values are converted both ways for the schema's datetime
// columns. raw() returns what SQLite holds (date-times as that text).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { DbError, type Db, type DbCapabilities, type DbCond, type DbQuery, type DbStats, type DbValue, type Row } from './api.js';
import { createTableStatements, formatDateTime, parseDateTime, TABLES, VERSION_TABLE, versionRowStatement, type Column, type Table } from './schema.js';
import { buildDelete, buildInsert, buildReplace, buildSelect, buildUpdate, requireColumn, requireTable } from './sql-build.js';
import { parseDbUrl, type SqliteUrl } from './url.js';

export interface SqliteOptions {
  readonly log?: (msg: string) => void;
  /** how long a statement waits for another process's lock before failing (default 1000 ms) */
  readonly busyTimeoutMs?: number;
  /** create missing tables on open (default true) */
  readonly createSchema?: boolean;
}

type Statement = Database.Statement<unknown[], unknown>;

const CAPS: DbCapabilities = Object.freeze({ query: true, insert: true, update: true, delete: true, replace: true, raw: true });
const STATEMENT_CACHE_MAX = 256;

/** better-sqlite3's error codes, as DbError codes. */
function mapError(err: unknown, what: string): DbError {
  if (err instanceof DbError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const msg = `${what}: ${typeof e?.message === 'string' ? e.message : String(err)}`;
  if (code.startsWith('SQLITE_CONSTRAINT')) return new DbError(msg, 'constraint', { cause: err });
  if (/^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT|PERM|AUTH|NOMEM|PROTOCOL)/.test(code)) {
    return new DbError(msg, 'unavailable', { cause: err });
  }
  if (code.startsWith('SQLITE_') && code !== 'SQLITE_INTERNAL') return new DbError(msg, 'bad-request', { cause: err });
  if (err instanceof TypeError && /not open/i.test(String(e.message))) return new DbError(msg, 'unavailable', { cause: err });
  if (err instanceof RangeError || err instanceof TypeError) return new DbError(msg, 'bad-request', { cause: err });
  return new DbError(msg, 'internal', { cause: err });
}

/** A value as SQLite should get it for that column (Date -> UTC text; number -> text for strings). */
function toSqlite(v: DbValue, c?: Column): DbValue {
  if (v instanceof Date) return formatDateTime(v);
  if (typeof v === 'number' && c?.type === 'string') return String(v);
  return v;
}

function convertRow(t: Table, row: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === undefined) continue;
    out[k] = toSqlite(v, t.columns.find((c) => c.name === k));
  }
  return out;
}

function convertWhere(t: Table, where: readonly DbCond[] | undefined): DbCond[] | undefined {
  if (where === undefined || !Array.isArray(where)) return where as undefined;
  return where.map((w) => {
    if (w === null || typeof w !== 'object') return w;
    const c = t.columns.find((col) => col.name === w.col);
    return { ...w, value: toSqlite(w.value, c) };
  });
}

class SqliteDb implements Db {
  readonly caps = CAPS;
  readonly stats: DbStats = { queries: 0, errors: 0, reconnects: 0, connected: true, lastError: undefined };
  private readonly cache = new Map<string, Statement>();
  /** per table: the datetime columns, read back as Date */
  private readonly dateCols = new Map<string, ReadonlySet<string>>(
    TABLES.map((t) => [t.name, new Set(t.columns.filter((c) => c.type === 'datetime').map((c) => c.name))]),
  );
  private closed = false;

  constructor(readonly url: string, private readonly db: Database.Database) {}

  private prepare(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      if (this.cache.size >= STATEMENT_CACHE_MAX) this.cache.clear();
      this.cache.set(sql, st);
    }
    return st;
  }

  private fail(err: unknown, what: string): never {
    const e = mapError(err, what);
    this.stats.errors++;
    this.stats.lastError = e.message;
    throw e;
  }

  private open(): void {
    if (this.closed) throw new DbError(`${this.url}: the database is closed`, 'unavailable');
  }

  private toDates(table: string, rows: Row[]): Row[] {
    const dates = this.dateCols.get(table);
    if (!dates || dates.size === 0) return rows;
    for (const r of rows) {
      for (const k of dates) {
        const v = r[k];
        if (typeof v === 'string') r[k] = parseDateTime(v) ?? v;
      }
    }
    return rows;
  }

  async query(table: string, q: DbQuery = {}): Promise<Row[]> {
    try {
      this.open();
      const t = requireTable(table);
      const b = buildSelect('sqlite', table, { ...q, where: convertWhere(t, q.where) });
      this.stats.queries++;
      return this.toDates(table, this.prepare(b.sql).all(...b.params) as Row[]);
    } catch (e) {
      this.fail(e, `query ${table}`);
    }
  }

  async insert(table: string, row: Row): Promise<void> {
    try {
      this.open();
      const t = requireTable(table);
      const b = buildInsert('sqlite', table, convertRow(t, row));
      this.stats.queries++;
      this.prepare(b.sql).run(...b.params);
    } catch (e) {
      this.fail(e, `insert into ${table}`);
    }
  }

  async update(table: string, where: readonly DbCond[], set: Row): Promise<number> {
    try {
      this.open();
      const t = requireTable(table);
      const b = buildUpdate('sqlite', table, convertWhere(t, where) ?? [], convertRow(t, set));
      this.stats.queries++;
      return this.prepare(b.sql).run(...b.params).changes;
    } catch (e) {
      this.fail(e, `update ${table}`);
    }
  }

  async delete(table: string, where?: readonly DbCond[]): Promise<number> {
    try {
      this.open();
      const t = requireTable(table);
      const b = buildDelete('sqlite', table, convertWhere(t, where));
      this.stats.queries++;
      return this.prepare(b.sql).run(...b.params).changes;
    } catch (e) {
      this.fail(e, `delete from ${table}`);
    }
  }

  async replace(table: string, row: Row, key: readonly string[]): Promise<void> {
    try {
      this.open();
      const t = requireTable(table);
      for (const k of Array.isArray(key) ? key : []) requireColumn(t, k);
      const b = buildReplace('sqlite', table, convertRow(t, row), key);
      this.stats.queries++;
      this.prepare(b.sql).run(...b.params);
    } catch (e) {
      this.fail(e, `replace into ${table}`);
    }
  }

  async raw(sql: string, params: readonly DbValue[] = []): Promise<Row[]> {
    try {
      this.open();
      if (typeof sql !== 'string' || sql.trim() === '') throw new DbError('raw: empty SQL', 'bad-request');
      const st = this.prepare(sql);
      const p = params.map((v) => toSqlite(v));
      this.stats.queries++;
      if (st.reader) return st.all(...p) as Row[];
      st.run(...p);
      return [];
    } catch (e) {
      this.fail(e, 'raw');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stats.connected = false;
    this.cache.clear();
    this.db.close();
  }
}

/**
 * Opens (creating the file, its directory and the schema when missing) the SQLite database of a
 * sqlite: URL; DbError 'unavailable' with the path and the reason when it cannot.
 */
export async function openSqlite(u: SqliteUrl | string, o: SqliteOptions = {}): Promise<Db> {
  const parsed = typeof u === 'string' ? parseDbUrl(u) : u;
  if (parsed.kind !== 'sqlite') throw new DbError(`openSqlite: not a sqlite: URL (${parsed.url})`, 'bad-request');
  const path = parsed.path;
  if (!parsed.memory) {
    const dir = dirname(path);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new DbError(`SQLite database ${path}: cannot create its directory ${dir}: ${(e as Error).message}`, 'unavailable', { cause: e });
    }
  }
  const busy = o.busyTimeoutMs ?? 1000;
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: busy });
  } catch (e) {
    throw new DbError(`SQLite database ${path}: cannot open: ${(e as Error).message}`, 'unavailable', { cause: e });
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busy))}`);
    if (!parsed.memory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    if (o.createSchema !== false) {
      const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
      const missing = TABLES.filter((t) => !have.has(t.name)).map((t) => t.name);
      if (missing.length > 0) {
        // only the missing tables (with their indexes and version rows): a table that is there
        // is left as it is, even if it is not this schema's (the modules check the versions)
        const version = TABLES.find((t) => t.name === VERSION_TABLE)!;
        db.transaction(() => {
          if (!have.has(VERSION_TABLE)) for (const s of createTableStatements('sqlite', version)) db.exec(s);
          for (const t of TABLES) {
            if (have.has(t.name) || t.name === VERSION_TABLE) continue;
            for (const s of createTableStatements('sqlite', t)) db.exec(s);
            db.exec(versionRowStatement('sqlite', t));
          }
        })();
        o.log?.(`sqlite: ${path}: created table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      }
    }
  } catch (e) {
    db.close();
    throw new DbError(`SQLite database ${path}: ${(e as Error).message}`, 'unavailable', { cause: e });
  }
  return new SqliteDb(parsed.url, db);
}
