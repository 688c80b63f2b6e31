// SER's database API (db/db.h: use_table, query, insert, update, delete, replace, raw_query,
// capabilities) as one interface every adapter implements: SQLite (the embedded default),
// MySQL/MariaDB, PostgreSQL and dbtext. Modules (usrloc, auth_db, acc, ...) see only this.
// Every value goes in as a bound parameter; table and column names are checked against the
// schema (src/db/schema.ts) before they reach SQL.

/** A column value: strings, numbers (int or double), date-times, or NULL. */
export type DbValue = string | number | Date | null;

export type Row = Record<string, DbValue>;

export type DbOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

/** One condition of a WHERE clause; conditions are ANDed (SER's keys/ops/values arrays). */
export interface DbCond {
  readonly col: string;
  readonly op?: DbOp;
  readonly value: DbValue;
}

export interface DbQuery {
  /** the columns wanted (default: every column of the table) */
  readonly columns?: readonly string[];
  readonly where?: readonly DbCond[];
  readonly orderBy?: string;
  readonly desc?: boolean;
  readonly limit?: number;
}

/** What an adapter can do (SER's DB_CAP_*). */
export interface DbCapabilities {
  readonly query: boolean;
  readonly insert: boolean;
  readonly update: boolean;
  readonly delete: boolean;
  readonly replace: boolean;
  /** raw SQL (not dbtext) */
  readonly raw: boolean;
}

/** Counters, for statistics and the management interface. */
export interface DbStats {
  queries: number;
  errors: number;
  /** times the connection was lost and set up again */
  reconnects: number;
  connected: boolean;
  /** the last error, for operators */
  lastError: string | undefined;
}

/** Why an operation failed: `code` tells lost connections (retry later) from bad requests. */
export class DbError extends Error {
  constructor(
    message: string,
    readonly code: 'unavailable' | 'bad-request' | 'constraint' | 'unsupported' | 'internal',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbError';
  }
}

/** One open database (a connection pool for the network servers). */
export interface Db {
  /** the URL with any password replaced by '***', for logs */
  readonly url: string;
  readonly caps: DbCapabilities;
  readonly stats: DbStats;
  query(table: string, q?: DbQuery): Promise<Row[]>;
  insert(table: string, row: Row): Promise<void>;
  /** returns the number of rows changed */
  update(table: string, where: readonly DbCond[], set: Row): Promise<number>;
  /** returns the number of rows deleted; without conditions, every row */
  delete(table: string, where?: readonly DbCond[]): Promise<number>;
  /** insert, or update the row with the same values in the `key` columns */
  replace(table: string, row: Row, key: readonly string[]): Promise<void>;
  /** raw SQL with `?` placeholders (translated for PostgreSQL); DbError 'unsupported' on dbtext */
  raw(sql: string, params?: readonly DbValue[]): Promise<Row[]>;
  close(): Promise<void>;
}
