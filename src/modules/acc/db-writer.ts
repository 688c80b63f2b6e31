// Accounting rows go to the database in the background: routing never waits for an insert.
// Each row is tried once; a failure (the database cannot be opened, the insert fails) is logged
// and counted, and the row is dropped, as SER's acc did ("Error while inserting to database").
// While the database cannot be opened, opening is tried again at most every `reopenMs`; rows in
// between fail at once. At most `maxPending` inserts are in flight; more are dropped and counted.

import type { Db, Row } from '../../db/api.js';
import { openDb } from '../../db/open.js';
import { redact } from '../../db/url.js';
import { errorText } from '../../util/error-text.js';

export interface AccDbStats {
  /** rows inserted */
  written: number;
  /** rows lost because an insert failed or the database could not be opened */
  failed: number;
  /** rows lost because too many inserts were in flight */
  dropped: number;
  /** attempts to open the database that failed */
  openFailures: number;
  /** inserts in flight now */
  pending: number;
}

export interface AccDbWriterOptions {
  /** operator messages (errors); called at most once a second, with a count of the others */
  readonly err: (msg: string) => void;
  readonly notice?: (msg: string) => void;
  readonly open?: (url: string) => Promise<Db>;
  readonly maxPending?: number;
  readonly reopenMs?: number;
  readonly now?: () => number;
}

export class AccDbWriter {
  readonly stats: AccDbStats = { written: 0, failed: 0, dropped: 0, openFailures: 0, pending: 0 };
  private db: Db | undefined;
  private opening: Promise<Db | undefined> | undefined;
  private lastOpenFailure = -Infinity;
  private readonly inflight = new Set<Promise<void>>();
  private readonly open: (url: string) => Promise<Db>;
  private readonly maxPending: number;
  private readonly reopenMs: number;
  private readonly now: () => number;
  private lastErrAt = -Infinity;
  private suppressed = 0;
  private closed = false;

  constructor(
    readonly url: string,
    private readonly o: AccDbWriterOptions,
  ) {
    this.open = o.open ?? ((u) => openDb(u, o.notice ? { log: (m) => o.notice!(`acc: ${m}`) } : {}));
    this.maxPending = o.maxPending ?? 1000;
    this.reopenMs = o.reopenMs ?? 5000;
    this.now = o.now ?? Date.now;
  }

  /** An error line, at most one a second (the others counted into the next one). */
  private err(msg: string): void {
    const t = this.now();
    if (t - this.lastErrAt < 1000) {
      this.suppressed++;
      return;
    }
    this.lastErrAt = t;
    const more = this.suppressed ? ` (${this.suppressed} more accounting errors since the last message)` : '';
    this.suppressed = 0;
    this.o.err(msg + more);
  }

  /** The open database, opening it when needed (not more often than every reopenMs after a failure). */
  connect(): Promise<Db | undefined> {
    if (this.db) return Promise.resolve(this.db);
    if (this.opening) return this.opening;
    if (this.closed || this.now() - this.lastOpenFailure < this.reopenMs) return Promise.resolve(undefined);
    this.opening = this.open(this.url).then(
      (db) => {
        this.opening = undefined;
        if (this.closed) {
          void db.close().catch(() => {});
          return undefined;
        }
        this.db = db;
        return db;
      },
      (e: unknown) => {
        this.opening = undefined;
        this.lastOpenFailure = this.now();
        this.stats.openFailures++;
        this.err(`acc: the database of db_url "${redact(this.url)}" cannot be opened: ${errorText(e)}`);
        return undefined;
      },
    );
    return this.opening;
  }

  /** Queue one row; never throws, never blocks. */
  insert(table: string, row: Row): void {
    if (this.stats.pending >= this.maxPending) {
      this.stats.dropped++;
      this.err(`acc: ${this.stats.pending} database inserts in flight; a ${table} row is dropped`);
      return;
    }
    this.stats.pending++;
    const p = this.write(table, row).finally(() => {
      this.stats.pending--;
      this.inflight.delete(p);
    });
    this.inflight.add(p);
  }

  private async write(table: string, row: Row): Promise<void> {
    const db = await this.connect();
    if (!db) {
      this.stats.failed++;
      this.err(`acc: no database: a ${table} row is lost`);
      return;
    }
    try {
      await db.insert(table, row);
      this.stats.written++;
    } catch (e) {
      this.stats.failed++;
      this.err(`acc: error while inserting into ${table}: ${errorText(e)}`);
    }
  }

  /** Resolves once every insert queued so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }
}
