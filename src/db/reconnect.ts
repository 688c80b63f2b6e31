// Connection-loss handling shared by the network adapters (mysql.ts, postgres.ts). SER's
// mysql module reconnects inside each query and blocks the process while the server is away;
// here nothing blocks: an operation has a deadline, a lost connection is noticed once,
// logged once per outage, and set up again in the background with exponential back-off while
// the operations asked for in the meantime fail at once with DbError 'unavailable' (usrloc in
// db_mode 1 answers those with 500 and Retry-After).
//
//   up ──(evidence of loss)──► checking ──(probe fails)──► down ──(probe succeeds)──► up
//                                 └──────(probe succeeds: reconnects++)──────────────┘
//
// Evidence of loss: an operation failing with a connection error, or a pooled connection
// closed or failed by the server while idle (KILL, pg_terminate_backend, a restart). An
// operation that runs past its deadline makes the guard check the server too, but a server
// that answers the check was only slow: that is neither logged nor counted as a reconnect.

import { DbError, type DbStats } from './api.js';

/** Error codes that mean "the connection is gone or cannot be made", not "bad statement". */
const LOSS_CODES: ReadonlySet<string> = new Set([
  // node's sockets and DNS
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH',
  'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT',
  // mysql2
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'PROTOCOL_ENQUEUE_AFTER_QUIT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
  'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_NET_READ_ERROR',
  'ER_NET_READ_INTERRUPTED', 'ER_NET_ERROR_ON_WRITE', 'ER_NET_WRITE_INTERRUPTED',
  'ER_HOST_IS_BLOCKED',
  // PostgreSQL SQLSTATEs: admin/crash shutdown, cannot connect now, too many connections
  '57P01', '57P02', '57P03', '53300',
]);

/** Messages of errors that carry no code (pg's client, mysql2's closed-state errors). */
const LOSS_MESSAGES: readonly RegExp[] = [
  /Connection terminated/i,
  /connection error and is not queryable/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /Can't add new command when connection is in closed state/i,
  /Can't write in closed state/i,
  /Connection lost/i,
  /server closed the connection/i,
];

function errCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const c = (err as { code: unknown }).code;
    if (typeof c === 'string') return c;
    if (typeof c === 'number') return String(c);
  }
  return undefined;
}

function errMessage(err: unknown): string {
  if (err instanceof Error) {
    // AggregateError (a host name that resolves to several addresses, all refused)
    if (err.message === '' && 'errors' in err && Array.isArray((err as AggregateError).errors)) {
      const first = (err as AggregateError).errors[0];
      if (first) return errMessage(first);
    }
    return err.message;
  }
  return String(err);
}

/** True when `err` says the connection to the server is lost or cannot be made. */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof DbError) return err.code === 'unavailable';
  const code = errCode(err);
  if (code !== undefined && LOSS_CODES.has(code)) return true;
  // SQLSTATE class 08: connection exception
  if (code !== undefined && /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (err instanceof Error && 'errors' in err && Array.isArray((err as AggregateError).errors)) {
    if ((err as AggregateError).errors.some((e) => isConnectionLoss(e))) return true;
  }
  const msg = errMessage(err);
  if (LOSS_MESSAGES.some((re) => re.test(msg))) return true;
  // mysql2 marks errors that leave the connection unusable as fatal; access refused is a
  // fatal error too, but a configuration problem, reported as such by the adapters.
  const fatal = !!err && typeof err === 'object' && (err as { fatal?: unknown }).fatal === true;
  if (fatal && code !== 'ER_ACCESS_DENIED_ERROR' && code !== 'ER_DBACCESS_DENIED_ERROR') return true;
  return false;
}

/** A short, one-line reason for logs: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1". */
export function describeError(err: unknown): string {
  const msg = errMessage(err).replace(/\s+/g, ' ').trim();
  const code = errCode(err);
  if (code && !msg.includes(code)) return msg ? `${code}: ${msg}` : code;
  return msg || 'unknown error';
}

export interface GuardOptions {
  /** the database URL without password, for messages */
  readonly name: string;
  /** the counters the adapter hands out as Db.stats */
  readonly stats: DbStats;
  /** opens a fresh connection (not one of the pool's), runs a trivial statement, closes it */
  readonly probe: () => Promise<void>;
  /** turns a driver error that is not a connection loss into a DbError; `what`: "insert into grp" */
  readonly classify: (err: unknown, what: string) => DbError;
  readonly log?: ((msg: string) => void) | undefined;
  /** the longest an operation may take, in ms (default 3000) */
  readonly deadlineMs?: number | undefined;
  /** first retry delay after a failed reconnect, doubled each time (default 100 ms) */
  readonly backoffMinMs?: number | undefined;
  /** the longest delay between two reconnect attempts (default 5000 ms) */
  readonly backoffMaxMs?: number | undefined;
}

type State = 'up' | 'checking' | 'down' | 'closed';

/**
 * Passed to an operation: aborted when its deadline passes (the adapter drops the connection).
 * A plain object rather than an AbortController: one is made per query, and Node's EventTarget
 * machinery (an AbortSignal, adding and removing its listener) cost more than the rest of the
 * deadline handling (~8 µs a query on the benchmark machine).
 */
export interface OpContext {
  readonly aborted: boolean;
  /** why it was aborted (the DeadlineExceeded error) */
  readonly reason: unknown;
  /** `fn` is called if the deadline passes while it is set; undefined unsets it */
  onAbort(fn: (() => void) | undefined): void;
}

export class Deadline implements OpContext {
  aborted = false;
  reason: unknown = undefined;
  private fn: (() => void) | undefined = undefined;

  onAbort(fn: (() => void) | undefined): void {
    this.fn = fn;
  }

  abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    const fn = this.fn;
    this.fn = undefined;
    fn?.();
  }
}

export const DEFAULT_DEADLINE_MS = 3000;
export const DEFAULT_BACKOFF_MIN_MS = 100;
export const DEFAULT_BACKOFF_MAX_MS = 5000;
/** losses within this long after the connection was found again belong to the same outage */
const MERGE_MS = 2000;

class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

export class ConnectionGuard {
  readonly deadlineMs: number;
  private readonly backoffMin: number;
  private readonly backoffMax: number;
  private state: State = 'up';
  /** why the connection is down (for the errors handed to callers) */
  private reason = '';
  private downSince = 0;
  private attempts = 0;
  private delay: number;
  private timer: NodeJS.Timeout | undefined;
  /** the check running after evidence of loss, if any */
  private checking: Promise<boolean> | undefined;
  /** when the connection was last found again (Date.now()), 0 before any loss */
  private recoveredAt = 0;

  constructor(private readonly o: GuardOptions) {
    this.deadlineMs = o.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.backoffMin = o.backoffMinMs ?? DEFAULT_BACKOFF_MIN_MS;
    this.backoffMax = Math.max(this.backoffMin, o.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS);
    this.delay = this.backoffMin;
    o.stats.connected = true;
  }

  /** false while the server is known to be away (operations fail at once) */
  get available(): boolean {
    return this.state === 'up' || this.state === 'checking';
  }

  /** true once close() was called */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Runs one operation under the deadline. `retryOnce`: the operation only reads, so when it
   * failed on a connection that was already dead and a fresh one can be had at once, it is
   * tried again (within the same deadline).
   */
  async run<T>(what: string, fn: (ctx: OpContext) => Promise<T>, retryOnce = false): Promise<T> {
    const st = this.o.stats;
    if (this.state === 'closed') {
      st.errors++;
      throw new DbError(`${this.o.name}: the database was closed`, 'unavailable');
    }
    if (this.state === 'down') {
      st.errors++;
      throw this.unavailable();
    }
    st.queries++;
    const deadline = Date.now() + this.deadlineMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.withDeadline(fn, deadline);
      } catch (err) {
        if (err instanceof DeadlineExceeded) {
          st.errors++;
          const e = new DbError(
            `${this.o.name}: ${what}: no answer within ${this.deadlineMs} ms; the operation was abandoned`,
            'unavailable', { cause: err },
          );
          st.lastError = e.message;
          void this.check(err, false);
          throw e;
        }
        if (!isConnectionLoss(err)) {
          st.errors++;
          const e = err instanceof DbError ? err : this.o.classify(err, what);
          st.lastError = e.message;
          throw e;
        }
        const healed = this.check(err, true);
        if (retryOnce && attempt === 0 && (await this.within(healed, deadline))) continue;
        st.errors++;
        const e = new DbError(
          `${this.o.name}: ${what}: connection lost (${describeError(err)}); try again later`,
          'unavailable', { cause: err },
        );
        st.lastError = e.message;
        throw e;
      }
    }
  }

  /**
   * Evidence of loss from outside an operation (a pooled connection closed or failed while
   * idle). Ignored while closing, or when the outage is already known.
   */
  lost(err: unknown): void {
    if (this.state !== 'up') return;
    void this.check(err, true);
  }

  /** Counts an error found before the operation reached the server (a bad table name, say). */
  refused(err: unknown): DbError {
    const e = err instanceof DbError ? err : new DbError(describeError(err), 'bad-request', { cause: err });
    this.o.stats.errors++;
    this.o.stats.lastError = e.message;
    return e;
  }

  /** Stops the background reconnection; later operations fail with 'unavailable'. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.state = 'closed';
    this.o.stats.connected = false;
  }

  /** The DbError handed out while the server is away. */
  unavailable(): DbError {
    const since = new Date(this.downSince).toISOString();
    return new DbError(
      `${this.o.name} is unavailable since ${since} (${this.reason}); reconnecting in the background`,
      'unavailable',
    );
  }

  private async within(p: Promise<boolean>, deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      t = setTimeout(() => resolve(false), left);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  private withDeadline<T>(fn: (ctx: OpContext) => Promise<T>, deadline: number): Promise<T> {
    const d = new Deadline();
    const left = Math.max(1, deadline - Date.now());
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        const e = new DeadlineExceeded(this.deadlineMs);
        d.abort(e);
        reject(e);
      }, left);
      let p: Promise<T>;
      try {
        p = fn(d);
      } catch (e) {
        clearTimeout(t);
        reject(e);
        return;
      }
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  /**
   * After evidence of loss (`lost`) or an operation past its deadline: probes the server once.
   * Resolves true when it answered (the pool opens fresh connections from then on).
   */
  private check(err: unknown, lost: boolean): Promise<boolean> {
    if (this.state === 'down' || this.state === 'closed') return Promise.resolve(false);
    if (this.checking) return this.checking;
    const st = this.o.stats;
    const reason = describeError(err);
    this.state = 'checking';
    if (lost) st.connected = false;
    const started = Date.now();
    // The connections of a pool die one after another (a server killing them one by one, a
    // restart noticed by each in turn): a loss soon after the last one is the same outage.
    const sameOutage = started - this.recoveredAt < MERGE_MS;
    const p = this.probeWithDeadline().then(
      () => {
        this.checking = undefined;
        if (this.state !== 'checking') return false;
        this.state = 'up';
        if (lost) {
          st.connected = true;
          this.recoveredAt = Date.now();
          if (!sameOutage) {
            st.reconnects++;
            this.log(`WARNING: db: connection to ${this.o.name} was lost (${reason}); connected again`);
          }
        }
        return true;
      },
      (perr: unknown) => {
        this.checking = undefined;
        if (this.state !== 'checking') return false;
        this.goDown(lost ? reason : describeError(perr), started);
        return false;
      },
    );
    this.checking = p;
    return p;
  }

  private goDown(reason: string, since: number): void {
    const st = this.o.stats;
    this.state = 'down';
    this.reason = reason;
    this.downSince = since;
    this.attempts = 1;
    this.delay = this.backoffMin;
    st.connected = false;
    st.lastError = `${this.o.name}: ${reason}`;
    this.log(
      `ERROR: db: lost connection to ${this.o.name} (${reason}); operations fail until it is back, ` +
        `reconnecting in the background`,
    );
    this.schedule();
  }

  private schedule(): void {
    if (this.state !== 'down') return;
    const wait = this.delay;
    this.delay = Math.min(this.backoffMax, this.delay * 2);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.attempts++;
      this.probeWithDeadline().then(
        () => {
          if (this.state !== 'down') return;
          this.state = 'up';
          const st = this.o.stats;
          st.connected = true;
          st.reconnects++;
          this.recoveredAt = Date.now();
          const secs = ((Date.now() - this.downSince) / 1000).toFixed(1);
          this.log(
            `NOTICE: db: connection to ${this.o.name} is back after ${secs} s (${this.attempts} attempts)`,
          );
        },
        (perr: unknown) => {
          if (this.state !== 'down') return;
          this.reason = describeError(perr);
          this.schedule();
        },
      );
    }, wait);
    // a server that is away must not keep the process alive by itself
    this.timer.unref();
  }

  private probeWithDeadline(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new DeadlineExceeded(this.deadlineMs)), this.deadlineMs);
      this.o.probe().then(
        () => {
          clearTimeout(t);
          resolve();
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  private log(msg: string): void {
    try {
      this.o.log?.(msg);
    } catch {
      // a broken logger must not break the database
    }
  }
}

// --- what the two network adapters share ---------------------------------------------------------

/** The second argument of openMysql() and openPostgres(). */
export interface ServerDbOptions {
  /** where the outage messages go (one when the connection is lost, one when it is back) */
  readonly log?: ((msg: string) => void) | undefined;
  /** the longest an operation may take, in ms (default 3000; db_url: ?timeout=ms) */
  readonly deadlineMs?: number | undefined;
  /** connections in the pool (default 4; db_url: ?pool=n) */
  readonly poolSize?: number | undefined;
  /** the first reconnect delay, doubled after each failure (default 100 ms) */
  readonly backoffMinMs?: number | undefined;
  /** the longest delay between reconnect attempts (default 5000 ms) */
  readonly backoffMaxMs?: number | undefined;
  /** how long a pooled connection may stay idle before the pool closes it (default: MySQL 60 s, PostgreSQL 30 s) */
  readonly idleTimeoutMs?: number | undefined;
}

/** Pool size and deadline: the options object wins over the db_url's ?pool= and ?timeout=. */
export function poolSettings(
  url: string,
  query: Readonly<Record<string, string>>,
  o: ServerDbOptions,
): { poolSize: number; deadlineMs: number } {
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || +v < min || +v > max) {
      throw new DbError(`db_url ${url}: ?${name}=${v}: expected an integer from ${min} to ${max}`, 'bad-request');
    }
    return +v;
  };
  const poolSize = o.poolSize ?? num('pool', 1, 100) ?? 4;
  const deadlineMs = o.deadlineMs ?? num('timeout', 10, 600_000) ?? DEFAULT_DEADLINE_MS;
  return { poolSize, deadlineMs };
}

/** True when a db_url's ?ssl= asks for TLS ('true', '1', 'yes', 'require'). */
export function wantsTls(query: Readonly<Record<string, string>>): boolean {
  const v = (query['ssl'] ?? query['sslmode'] ?? '').toLowerCase();
  return v === 'true' || v === '1' || v === 'yes' || v === 'require' || v === 'required' || v === 'verify-full';
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * A Date as the servers read a date-time without time zone, in UTC:
 * 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD HH:MM:SS.mmm'. Sent as text, so that neither the
 * driver's nor the machine's time zone has a say.
 */
export function utcDateTime(d: Date): string {
  const s = `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? s : `${s}.${String(ms).padStart(3, '0')}`;
}

/**
 * A row whose Dates are cut to the second: the schema's date-time columns keep seconds, and
 * servers round a stored fraction (12:00:00.6 would become 12:00:01); every adapter truncates.
 * Conditions keep their milliseconds (expires < 12:00:00.001 matches 12:00:00).
 */
export function wholeSeconds<R extends Record<string, unknown>>(row: R): R {
  if (row === null || typeof row !== 'object') return row;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(row)) {
    const v = row[k];
    if (v instanceof Date && !Number.isNaN(v.getTime()) && v.getTime() % 1000 !== 0) {
      out ??= { ...row };
      out[k] = new Date(Math.floor(v.getTime() / 1000) * 1000);
    }
  }
  return (out ?? row) as R;
}

/**
 * The message of a failed first connection, saying what to check:
 * "cannot connect to mysql at 127.0.0.1:3306 as root: connect ECONNREFUSED ... — is the server
 * running? check db_url".
 */
export function connectFailure(
  kind: 'mysql' | 'postgres',
  where: { host: string; port: number; user: string | undefined; database: string; url: string; socket?: string | undefined },
  err: unknown,
): DbError {
  const code = errCode(err) ?? '';
  const at = where.socket ? `${where.socket}` : `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`;
  const who = where.user ?? (kind === 'mysql' ? '(no user)' : '(the default user)');
  const head = `cannot connect to ${kind} at ${at} as ${who}: ${describeError(err)}`;
  let hint: string;
  let dbCode: DbError['code'] = 'unavailable';
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === '28P01' || code === '28000' || /password authentication failed|Access denied/i.test(describeError(err))) {
    hint = 'check the user name and password in db_url';
    dbCode = 'bad-request';
  } else if (code === 'ER_BAD_DB_ERROR' || code === '3D000') {
    hint = `database '${where.database}' does not exist: create it with ser-dbinit create <db_url>`;
    dbCode = 'bad-request';
  } else if (code === 'ER_DBACCESS_DENIED_ERROR') {
    hint = `user ${who} may not use database '${where.database}': grant it, e.g. with ser-dbinit create`;
    dbCode = 'bad-request';
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    hint = `the host name '${where.host}' does not resolve: check db_url`;
  } else {
    hint = 'is the server running? check db_url';
  }
  return new DbError(`${head} — ${hint} (${where.url})`, dbCode, { cause: err });
}

/**
 * The DbError code for an SQLSTATE (PostgreSQL's error code, MySQL's sqlState): integrity
 * violations are 'constraint', syntax, access and data errors 'bad-request', conflicts and
 * lack of resources 'unavailable' (try again later), the rest 'internal'.
 */
export function codeForSqlState(state: string | undefined): DbError['code'] {
  if (!state || state.length !== 5) return 'internal';
  const cls = state.slice(0, 2);
  switch (cls) {
    case '23':
      return 'constraint';
    case '42': case '22': case '0A': case '21': case '44': case '2F': case '28':
      return 'bad-request';
    case '40': case '53': case '55': case '57': case '08':
      return 'unavailable';
    default:
      return 'internal';
  }
}

/** Rejects with ETIMEDOUT when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }));
    }, ms);
    p.then((v) => {
      clearTimeout(t);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(t);
      reject(e);
    });
  });
}
