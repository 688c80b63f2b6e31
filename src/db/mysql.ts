// The MySQL / MariaDB adapter (SER's mysql module; db_url mysql://, mariadb:// and SER's own
// sql://): a small mysql2 connection pool, every statement prepared with bound parameters
// (pool connections' execute(), statements cached per connection), date-times in UTC (the
// session's time_zone is '+00:00', values go as 'YYYY-MM-DD HH:MM:SS' text and come back as
// Date read as UTC), strings in utf8mb4. A lost connection is handled by reconnect.ts.

import mysql from 'mysql2/promise';
import type { Pool, PoolOptions, ConnectionOptions, ResultSetHeader } from 'mysql2/promise';
import { DbError, type Db, type DbCapabilities, type DbValue, type Row } from './api.js';
import type { Built } from './sql-build.js';
import type { MysqlUrl } from './url.js';
import { ServerDb } from './server-db.js';
import {
  ConnectionGuard, codeForSqlState, connectFailure, describeError, poolSettings, utcDateTime, wantsTls,
  withTimeout, type OpContext, type ServerDbOptions,
} from './reconnect.js';
import { tlsOptions } from './tls-options.js';

export type MysqlOptions = ServerDbOptions;

const CAPS: DbCapabilities = Object.freeze({
  query: true, insert: true, update: true, delete: true, replace: true, raw: true,
});

/** MySQL error numbers that are not told apart well enough by their SQLSTATE. */
const CONSTRAINT_ERRNOS: ReadonlySet<number> = new Set([
  1048, // ER_BAD_NULL_ERROR
  1062, // ER_DUP_ENTRY
  1022, // ER_DUP_KEY
  1364, // ER_NO_DEFAULT_FOR_FIELD
  1451, 1452, 1216, 1217, // foreign keys
  3819, 4025, // check constraints (MySQL, MariaDB)
]);
const BAD_REQUEST_ERRNOS: ReadonlySet<number> = new Set([
  1210, // ER_WRONG_ARGUMENTS (mysqld_stmt_execute)
  1295, // ER_UNSUPPORTED_PS
  1142, 1143, 1044, 1227, // access denied to a table, column, database, privilege
  1406, 1264, 1292, 1366, // data too long, out of range, wrong value
]);
const RETRY_ERRNOS: ReadonlySet<number> = new Set([1205, 1213]); // lock wait timeout, deadlock

interface MysqlErr {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  message?: string;
}

function classify(name: string, err: unknown, what: string): DbError {
  const e = (err ?? {}) as MysqlErr;
  const text = e.sqlMessage ?? describeError(err);
  let code: DbError['code'];
  if (typeof e.errno === 'number' && CONSTRAINT_ERRNOS.has(e.errno)) code = 'constraint';
  else if (typeof e.errno === 'number' && BAD_REQUEST_ERRNOS.has(e.errno)) code = 'bad-request';
  else if (typeof e.errno === 'number' && RETRY_ERRNOS.has(e.errno)) code = 'unavailable';
  else if (e.sqlState) code = codeForSqlState(e.sqlState);
  else code = 'internal';
  const tag = e.code && e.code !== 'undefined' ? ` [${e.code}]` : '';
  return new DbError(`${name}: ${what}: ${text}${tag}`, code, { cause: err });
}

/** Values as mysql2 binds them: Dates as UTC text (see utcDateTime). */
function bindable(params: readonly DbValue[]): (string | number | null)[] {
  return params.map((v) => (v instanceof Date ? utcDateTime(v) : v));
}

/** Cells as the API hands them out: TEXT read as binary becomes a string, BIGINT a number. */
function cell(v: unknown): DbValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'boolean') return v ? 1 : 0;
  return String(v);
}

function rowsOf(result: unknown): Row[] {
  if (!Array.isArray(result)) return [];
  // a CALL returns several result sets; a SELECT one array of row objects
  const rows = result.length > 0 && Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
  const out: Row[] = [];
  for (const r of rows) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) continue;
    const o: Row = {};
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) o[k] = cell(v);
    out.push(o);
  }
  return out;
}

function affected(result: unknown): number {
  const h = result as Partial<ResultSetHeader> | undefined;
  return typeof h?.affectedRows === 'number' ? h.affectedRows : 0;
}

/** The connection options for the pool and for the probes (without the pool's own). */
export function mysqlConnectionOptions(u: MysqlUrl, deadlineMs: number): ConnectionOptions {
  const socket = u.options['socket'] ?? u.options['socketPath'];
  const c: ConnectionOptions = {
    host: u.host,
    port: u.port,
    database: u.database,
    charset: 'UTF8MB4_UNICODE_CI',
    timezone: 'Z',
    dateStrings: false,
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    multipleStatements: false,
    namedPlaceholders: false,
    connectTimeout: Math.max(100, deadlineMs),
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    // prepared statements kept per connection (least recently used closed first): the server
    // allows max_prepared_stmt_count (16382) in all, for every client together
    maxPreparedStatements: 256,
  };
  if (u.user !== undefined) c.user = u.user;
  if (u.password !== undefined) c.password = u.password;
  if (socket) c.socketPath = socket;
  if (wantsTls(u.options)) c.ssl = tlsOptions();
  return c;
}

/** The session settings every connection gets: UTC for NOW() and CURRENT_TIMESTAMP defaults. */
const SESSION_SQL = "SET time_zone = '+00:00'";

class MysqlDb extends ServerDb<unknown> {
  readonly url: string;
  readonly caps = CAPS;
  readonly guard: ConnectionGuard;
  private readonly pool: Pool;
  private closing = false;
  /** core connections this adapter threw away itself (their end is no evidence of loss) */
  private readonly dropped = new WeakSet<object>();

  constructor(
    private readonly u: MysqlUrl,
    private readonly conn: ConnectionOptions,
    poolSize: number,
    deadlineMs: number,
    o: MysqlOptions,
  ) {
    super('mysql', poolSize);
    this.url = u.url;
    const po: PoolOptions = {
      ...conn,
      connectionLimit: poolSize,
      // idle connections are closed after a minute, before the server's wait_timeout does it
      maxIdle: Math.max(0, poolSize - 1),
      idleTimeout: o.idleTimeoutMs ?? 60_000,
      queueLimit: 10_000,
      waitForConnections: true,
    };
    this.pool = mysql.createPool(po);
    this.guard = new ConnectionGuard({
      name: u.url,
      stats: this.stats,
      probe: () => this.probe(),
      classify: (err, what) => classify(u.url, err, what),
      log: o.log,
      deadlineMs,
      backoffMinMs: o.backoffMinMs,
      backoffMaxMs: o.backoffMaxMs,
    });
    // Every new connection: UTC session, and a watch on it: the server closing an idle pooled
    // connection (KILL, a restart) is the first sign of an outage.
    (this.pool as unknown as NodeJS.EventEmitter).on('connection', (core: CoreConnection) => {
      core.query(SESSION_SQL, () => undefined);
      core.on('error', (err: unknown) => this.connectionGone(core, err));
      core.on('end', () => {
        // the pool closing an idle connection, or close(), ends it too: then it is closing
        if (core._closing) return;
        const e = Object.assign(new Error('the server closed the connection'), { code: 'PROTOCOL_CONNECTION_LOST' });
        this.connectionGone(core, e);
      });
    });
  }

  private connectionGone(core: CoreConnection, err: unknown): void {
    if (this.closing || this.dropped.has(core) || core._closing) return;
    this.guard.lost(err);
  }

  /** A fresh connection outside the pool: connects, asks SELECT 1, closes. */
  async probe(): Promise<void> {
    const c = await mysql.createConnection(this.conn);
    // a probe connection must not crash the process with an unheard error event
    (c as unknown as { connection: NodeJS.EventEmitter }).connection.on('error', () => undefined);
    try {
      await c.query('SELECT 1');
    } finally {
      c.end().catch(() => c.destroy());
    }
  }

  /**
   * One statement on a pooled connection; the connection is dropped if the deadline passes.
   * Through mysql2's callback API: its promise wrapper captures a stack trace on every call,
   * which cost more CPU than the rest of a lookup (auth_db on every authenticated request).
   */
  protected async exec(ctx: OpContext, b: Built): Promise<unknown> {
    const pool = (this.pool as unknown as { pool: CorePool }).pool;
    const conn = await new Promise<CorePoolConnection>((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
    if (ctx.aborted) {
      conn.release();
      throw ctx.reason;
    }
    let gone = false;
    ctx.onAbort(() => {
      gone = true;
      this.dropped.add(conn);
      conn.destroy();
    });
    try {
      return await new Promise<unknown>((resolve, reject) =>
        conn.execute(b.sql, bindable(b.params), (err, result) => (err ? reject(err) : resolve(result))),
      );
    } finally {
      ctx.onAbort(undefined);
      if (!gone) conn.release();
    }
  }

  protected rows(result: unknown): Row[] {
    return rowsOf(result);
  }

  protected count(result: unknown): number {
    return affected(result);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.guard.close();
    this.stats.connected = false;
    this.failWaiting(new DbError(`${this.url}: the database was closed`, 'unavailable'));
    await this.pool.end().catch(() => undefined);
  }
}

/** mysql2's callback pool under the promise one. */
interface CorePool {
  getConnection(cb: (err: unknown, conn: CorePoolConnection) => void): void;
}

/** A pooled callback connection (the same object the pool's 'connection' event hands out). */
interface CorePoolConnection {
  execute(sql: string, params: unknown[], cb: (err: unknown, result: unknown) => void): void;
  release(): void;
  destroy(): void;
}

/** mysql2's callback connection, as the pool's 'connection' event hands it out. */
interface CoreConnection {
  /** set when this side closes it (mysql2's own flag) */
  readonly _closing?: boolean;
  query(sql: string, cb: (err: unknown) => void): unknown;
  on(event: string, fn: (...args: unknown[]) => void): unknown;
}

/**
 * Opens a pool on the MySQL/MariaDB server of the URL and checks that it answers; rejects with
 * a DbError saying what to check when it does not ('unavailable': no server there; 'bad-request':
 * wrong password or no such database).
 */
export async function openMysql(parsed: MysqlUrl, o: MysqlOptions = {}): Promise<Db> {
  const { poolSize, deadlineMs } = poolSettings(parsed.url, parsed.options, o);
  const conn = mysqlConnectionOptions(parsed, deadlineMs);
  const db = new MysqlDb(parsed, conn, poolSize, deadlineMs, o);
  try {
    await withTimeout(db.probe(), deadlineMs);
  } catch (err) {
    await db.close();
    throw connectFailure('mysql', {
      host: parsed.host, port: parsed.port, user: parsed.user, database: parsed.database, url: parsed.url,
      socket: conn.socketPath,
    }, err);
  }
  return db;
}

