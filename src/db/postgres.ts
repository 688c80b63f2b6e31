// The PostgreSQL adapter (SER's postgres module; db_url postgres:// and postgresql://): a small
// pg connection pool, every statement parameterised ($1..$n; raw SQL's `?` are translated by
// toPositional). Date-times are `timestamp without time zone` holding UTC: the session's
// TimeZone is UTC, values go as 'YYYY-MM-DD HH:MM:SS' text and come back as Date read as UTC,
// whatever the machine's time zone. A lost connection is handled by reconnect.ts.

import pg from 'pg';
import type { ClientConfig, PoolClient, PoolConfig, QueryResult } from 'pg';
import { DbError, type Db, type DbCapabilities, type DbValue, type Row } from './api.js';
import type { Built } from './sql-build.js';
import type { PostgresUrl } from './url.js';
import { ServerDb } from './server-db.js';
import {
  ConnectionGuard, codeForSqlState, connectFailure, describeError, poolSettings, utcDateTime, wantsTls,
  withTimeout, type OpContext, type ServerDbOptions,
} from './reconnect.js';
import { tlsOptions } from './tls-options.js';

export type PostgresOptions = ServerDbOptions;

const CAPS: DbCapabilities = Object.freeze({
  query: true, insert: true, update: true, delete: true, replace: true, raw: true,
});

// --- types: what comes back ---------------------------------------------------------------------

const OID_INT8 = 20;
const OID_NUMERIC = 1700;
const OID_TIMESTAMP = 1114;

/** timestamp without time zone, read as UTC: '2024-07-08 09:10:11[.123456]' (or BC, infinity). */
function parseUtcTimestamp(s: string): Date | string {
  const m = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(s);
  if (!m) return s; // 'infinity', '-infinity', BC dates: as the server wrote them
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const d = new Date(0);
  d.setUTCFullYear(+m[1]!, +m[2]! - 1, +m[3]!);
  d.setUTCHours(+m[4]!, +m[5]!, +m[6]!, ms);
  return d;
}

/** bigint and numeric as numbers while they are exact, else the text. */
function parseBigNumber(s: string): number | string {
  const n = Number(s);
  if (!Number.isFinite(n)) return s;
  if (/^-?\d+$/.test(s) && !Number.isSafeInteger(n)) return s;
  return n;
}

const TYPES = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    switch (oid) {
      case OID_TIMESTAMP: return parseUtcTimestamp;
      case OID_INT8:
      case OID_NUMERIC: return parseBigNumber;
      default: return pg.types.getTypeParser(oid, 'text');
    }
  },
} as unknown as NonNullable<PoolConfig['types']>;

function cell(v: unknown): DbValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function rowsOf(r: QueryResult | QueryResult[]): Row[] {
  const res = Array.isArray(r) ? r[r.length - 1] : r;
  if (!res || !Array.isArray(res.rows)) return [];
  const out: Row[] = [];
  for (const raw of res.rows as Record<string, unknown>[]) {
    const o: Row = {};
    for (const [k, v] of Object.entries(raw)) o[k] = cell(v);
    out.push(o);
  }
  return out;
}

function affected(r: QueryResult): number {
  return typeof r.rowCount === 'number' ? r.rowCount : 0;
}

/** Values as text where pg would otherwise apply the machine's time zone (Dates). */
function bindable(params: readonly DbValue[]): (string | number | null)[] {
  return params.map((v) => (v instanceof Date ? utcDateTime(v) : v));
}

interface PgErr {
  code?: string;
  message?: string;
  detail?: string;
  constraint?: string;
}

function classify(name: string, err: unknown, what: string): DbError {
  const e = (err ?? {}) as PgErr;
  const state = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const code = state ? codeForSqlState(state) : 'internal';
  const detail = e.detail ? ` (${e.detail})` : '';
  return new DbError(`${name}: ${what}: ${describeError(err)}${detail}`, code, { cause: err });
}

/** The connection settings for the pool and for the probes. */
export function postgresClientConfig(u: PostgresUrl, deadlineMs: number): ClientConfig {
  const socket = u.options['socket'] ?? u.options['host'];
  const c: ClientConfig = {
    host: socket ?? u.host,
    port: u.port,
    database: u.database,
    connectionTimeoutMillis: Math.max(100, deadlineMs),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: u.options['application_name'] ?? 'ser',
    // UTC for CURRENT_TIMESTAMP and for any timestamptz converted in SQL
    options: '-c TimeZone=UTC',
    types: TYPES,
    ssl: wantsTls(u.options) ? tlsOptions() : false,
  };
  if (u.user !== undefined) c.user = u.user;
  if (u.password !== undefined) c.password = u.password;
  return c;
}

class PostgresDb extends ServerDb<QueryResult> {
  readonly url: string;
  readonly caps = CAPS;
  readonly guard: ConnectionGuard;
  private readonly pool: pg.Pool;
  private closing = false;
  /** clients this adapter threw away itself (their errors are no evidence of loss) */
  private readonly dropped = new WeakSet<object>();

  constructor(
    u: PostgresUrl,
    private readonly conn: ClientConfig,
    poolSize: number,
    deadlineMs: number,
    o: PostgresOptions,
  ) {
    super('postgres', poolSize);
    this.url = u.url;
    const po: PoolConfig = {
      ...conn,
      max: poolSize,
      idleTimeoutMillis: o.idleTimeoutMs ?? 30_000,
      allowExitOnIdle: true,
    };
    this.pool = new pg.Pool(po);
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
    // An idle client failing (pg_terminate_backend, a restart) is the first sign of an outage;
    // without these listeners such an error would end the process.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client: PoolClient) => {
      client.on('error', (err: Error) => {
        if (this.closing || this.dropped.has(client)) return;
        this.guard.lost(err);
      });
    });
  }

  /** A fresh client outside the pool: connects, asks SELECT 1, closes. */
  async probe(): Promise<void> {
    const c = new pg.Client(this.conn);
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
    } finally {
      c.end().catch(() => undefined);
    }
  }

  /** One statement on a pooled client; the client is dropped if the deadline passes. */
  protected async exec(ctx: OpContext, b: Built): Promise<QueryResult> {
    const client = await this.pool.connect();
    if (ctx.aborted) {
      client.release();
      throw ctx.reason;
    }
    let gone = false;
    ctx.onAbort(() => {
      gone = true;
      this.dropped.add(client);
      client.release(new Error('deadline passed'));
    });
    let failed: unknown;
    try {
      return await client.query({ text: b.sql, values: bindable(b.params) });
    } catch (err) {
      failed = err;
      throw err;
    } finally {
      ctx.onAbort(undefined);
      // a client whose connection broke is not given back to the pool
      if (!gone) client.release(failed !== undefined && isBroken(failed) ? (failed as Error) : undefined);
    }
  }

  protected rows(result: QueryResult): Row[] {
    return rowsOf(result);
  }

  protected count(result: QueryResult): number {
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

/** An error after which the client's connection cannot be used again. */
function isBroken(err: unknown): boolean {
  const code = (err as PgErr | undefined)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('57P');
  return true; // not a server error: a socket error, a protocol error
}

/**
 * Opens a pool on the PostgreSQL server of the URL and checks that it answers; rejects with a
 * DbError saying what to check when it does not ('unavailable': no server there; 'bad-request':
 * wrong password or no such database).
 */
export async function openPostgres(parsed: PostgresUrl, o: PostgresOptions = {}): Promise<Db> {
  const { poolSize, deadlineMs } = poolSettings(parsed.url, parsed.options, o);
  const conn = postgresClientConfig(parsed, deadlineMs);
  const db = new PostgresDb(parsed, conn, poolSize, deadlineMs, o);
  try {
    await withTimeout(db.probe(), deadlineMs);
  } catch (err) {
    await db.close();
    throw connectFailure('postgres', {
      host: parsed.host, port: parsed.port, user: parsed.user, database: parsed.database, url: parsed.url,
      socket: parsed.options['socket'],
    }, err);
  }
  return db;
}
