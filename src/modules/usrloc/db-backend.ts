// usrloc's database modes (SER's db_mode), over any database of src/db (SQLite, MySQL/MariaDB,
// PostgreSQL, dbtext):
//
// 1 write-through: memory is a cache; every change of a request is written before the request is
//   answered (Usrloc.change() takes the writes of one request and awaits them); a failed write
//   rolls the change back in memory and the registrar answers 500 with Retry-After.
// 2 write-back: changes are remembered per contact (the latest wins; a deleted contact is kept
//   until its delete is written) and written every timer_interval, on ul_flush and at shutdown;
//   a failed write stays dirty and is tried again at the next flush.
// 3 database only: nothing is cached; save() reads the address of record, changes it and writes
//   it back; lookup() reads it. Several servers can share one database.
//
// In modes 1 and 2 every table is loaded at start-up; expired rows are skipped. The timer deletes
// the expired rows of every table with one DELETE (expiries in memory are not written one by one).

import { DbError, type Db, type DbCond, type Row } from '../../db/api.js';
import { column, table as schemaTable } from '../../db/schema.js';
import type { StoredContact, UsrlocBackend, UsrlocChange, UsrlocDbStats } from './backend.js';
import type { Clock } from './clock.js';
import { contactRow, fromSeconds, keyOf, rowContact, splitAor, type UsrlocColumns } from './db-rows.js';
import type { UContact } from './ucontact.js';
import type { UDomain } from './udomain.js';

export interface DbBackendOptions {
  readonly dbMode: 1 | 2 | 3;
  readonly columns: UsrlocColumns;
  readonly useDomain: boolean;
  readonly clock: Clock;
  readonly log?: { err(m: string): void; notice?(m: string): void; dbg(m: string): void };
}

/** One row to write: the row itself for an upsert, its key for a delete. */
export interface DbWrite {
  readonly table: string;
  readonly op: 'upsert' | 'delete';
  readonly row: Row;
}

interface Dirty {
  readonly table: string;
  readonly op: 'upsert' | 'delete';
  readonly contact: UContact;
}

/** How many writes a flush keeps in flight at once (network databases; SQLite runs one at a time anyway). */
const FLUSH_PARALLEL = 16;

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class DbBackend implements UsrlocBackend {
  readonly dbMode: 1 | 2 | 3;
  private readonly cols: UsrlocColumns;
  private readonly keyCols: readonly string[];
  /** db_mode 1 and 3: writes of changes not yet taken */
  private pending: DbWrite[] = [];
  /** db_mode 1: writes no request took (admin changes made with the synchronous API), for the next flush */
  private leftover: DbWrite[] = [];
  /** db_mode 2: the latest change of each contact, by table + aor + uri */
  private readonly dirty = new Map<string, Dirty>();
  private flushing: Promise<void> | undefined;
  private closed = false;
  private counters = { writes: 0, failures: 0, lastFlush: undefined as number | undefined, lastError: undefined as string | undefined };

  constructor(
    readonly db: Db,
    private readonly o: DbBackendOptions,
  ) {
    this.dbMode = o.dbMode;
    this.cols = o.columns;
    this.keyCols = [o.columns.user, o.columns.domain, o.columns.contact];
  }

  private fail(what: string, e: unknown): void {
    this.counters.failures++;
    this.counters.lastError = `${what}: ${describe(e)}`;
  }

  // ------------------------------------------------------------------------------- changes

  changed(ch: UsrlocChange): void {
    // expiries: the timer deletes expired rows with one statement
    if (ch.expired) return;
    const c = ch.contact;
    if (this.dbMode === 2) {
      const key = `${ch.table}\0${c.aor}\0${c.uri}`;
      this.dirty.set(key, { table: ch.table, op: ch.op === 'delete' ? 'delete' : 'upsert', contact: c });
      return;
    }
    // the row as it is now: the contact may change again before the write
    this.pending.push(
      ch.op === 'delete'
        ? { table: ch.table, op: 'delete', row: keyOf(this.cols, c.aor, c.uri, this.o.useDomain) }
        : { table: ch.table, op: 'upsert', row: contactRow(this.cols, c, this.o.useDomain) },
    );
  }

  take(): DbWrite[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }

  requeue(writes: unknown[]): void {
    if (writes.length) this.leftover.push(...(writes as DbWrite[]));
  }

  async write(writes: unknown[]): Promise<void> {
    for (const w of writes as DbWrite[]) {
      try {
        await this.writeOne(w);
      } catch (e) {
        this.fail(`${w.op} in ${w.table}`, e);
        throw e;
      }
    }
  }

  private async writeOne(w: DbWrite): Promise<void> {
    if (w.op === 'delete') {
      await this.db.delete(w.table, this.where(w.row));
    } else if (this.db.caps.replace) {
      await this.db.replace(w.table, w.row, this.keyCols);
    } else {
      const n = await this.db.update(w.table, this.where(w.row), w.row);
      if (n === 0) await this.db.insert(w.table, w.row);
    }
    this.counters.writes++;
  }

  /** The conditions matching a row's key (without use_domain the domain is not compared). */
  private where(row: Row): DbCond[] {
    const c = this.cols;
    const w: DbCond[] = [{ col: c.user, value: row[c.user]! }];
    if (this.o.useDomain) w.push({ col: c.domain, value: row[c.domain]! });
    w.push({ col: c.contact, value: row[c.contact]! });
    return w;
  }

  // ------------------------------------------------------------------------------- tables

  check(name: string): void {
    const t = schemaTable(name);
    if (!t) {
      throw new Error(
        `usrloc: db_mode ${this.dbMode} stores table '${name}' in the database, which has no such table ` +
          `(location-like tables of the schema: location, aliases)`,
      );
    }
    for (const col of Object.values(this.cols)) {
      if (!column(t, col)) throw new Error(`usrloc: table '${name}' has no column '${col}' (see the usrloc *_column parameters)`);
    }
  }

  async load(d: UDomain): Promise<void> {
    if (this.dbMode === 3) return;
    const now = this.o.clock();
    const started = Date.now();
    let rows: Row[];
    try {
      rows = await this.db.query(d.name);
    } catch (e) {
      this.fail(`loading ${d.name}`, e);
      throw new Error(`usrloc: cannot load table '${d.name}' from ${this.db.url}: ${describe(e)}`, { cause: e });
    }
    const stored = this.contacts(rows, now);
    for (const s of stored) {
      const r = d.insert(s.aor);
      if (!r.find(s.uri)) r.load(s.uri, s.info, s.lastModified);
    }
    this.o.log?.notice?.(
      `usrloc: table '${d.name}': ${stored.length} contact(s) of ${d.size} address(es) of record loaded from ${this.db.url} ` +
        `(${rows.length - stored.length} expired or unusable row(s) skipped) in ${Date.now() - started} ms`,
    );
  }

  /** Rows as contacts, expired ones left out, oldest first. */
  private contacts(rows: readonly Row[], now: number): StoredContact[] {
    const out: StoredContact[] = [];
    for (const row of rows) {
      const c = rowContact(this.cols, row, this.o.useDomain, now);
      if (c) out.push(c);
    }
    out.sort((a, b) => a.lastModified - b.lastModified);
    return out;
  }

  async read(table: string, aor: string, now: number): Promise<StoredContact[]> {
    const [user, domain] = splitAor(aor, this.o.useDomain);
    const where: DbCond[] = [{ col: this.cols.user, value: user }];
    if (this.o.useDomain) where.push({ col: this.cols.domain, value: domain });
    try {
      return this.contacts(await this.db.query(table, { where }), now);
    } catch (e) {
      this.fail(`reading ${table}`, e);
      throw e;
    }
  }

  async readAll(table: string, now: number): Promise<StoredContact[]> {
    try {
      return this.contacts(await this.db.query(table), now);
    } catch (e) {
      this.fail(`reading ${table}`, e);
      throw e;
    }
  }

  // ------------------------------------------------------------------------------- flush

  flush(tables: readonly UDomain[]): Promise<void> {
    // one flush at a time: a timer tick during a slow flush joins it
    this.flushing ??= this.runFlush(tables).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async runFlush(tables: readonly UDomain[]): Promise<void> {
    let ok = true;
    if (this.dbMode === 2) ok = await this.flushDirty();
    else if (this.leftover.length || this.pending.length) ok = await this.flushLeftover();
    if (!this.closed) {
      const now = this.o.clock();
      for (const d of tables) {
        try {
          const n = await this.db.delete(d.name, [{ col: this.cols.expires, op: '<=', value: fromSeconds(now) }]);
          if (n) this.o.log?.dbg(`usrloc: ${n} expired row(s) deleted from ${d.name}`);
        } catch (e) {
          this.fail(`deleting expired rows of ${d.name}`, e);
          ok = false;
        }
      }
    }
    if (ok) this.counters.lastFlush = this.o.clock();
    else throw new DbError(`usrloc: flush incomplete: ${this.counters.lastError ?? 'database error'}`, 'unavailable');
  }

  private async flushLeftover(): Promise<boolean> {
    const todo = [...this.leftover, ...this.take()];
    this.leftover = [];
    for (let i = 0; i < todo.length; i++) {
      try {
        await this.writeOne(todo[i]!);
      } catch (e) {
        this.fail(`${todo[i]!.op} in ${todo[i]!.table}`, e);
        this.leftover.unshift(...todo.slice(i));
        return false;
      }
    }
    return true;
  }

  /** db_mode 2: write every dirty contact; what fails stays dirty. False when something failed. */
  private async flushDirty(): Promise<boolean> {
    const batch = [...this.dirty.entries()];
    if (batch.length === 0) return true;
    let failed = false;
    let unavailable = false;
    let written = 0;
    const one = async ([key, d]: [string, Dirty]): Promise<void> => {
      if (unavailable) return;
      const w: DbWrite =
        d.op === 'delete'
          ? { table: d.table, op: 'delete', row: keyOf(this.cols, d.contact.aor, d.contact.uri, this.o.useDomain) }
          : { table: d.table, op: 'upsert', row: contactRow(this.cols, d.contact, this.o.useDomain) };
      try {
        await this.writeOne(w);
        written++;
        // changed again while being written: stays dirty for the next flush
        if (this.dirty.get(key) === d) {
          this.dirty.delete(key);
          if (d.op === 'upsert' && d.contact.state !== 'sync') d.contact.state = 'sync';
        }
      } catch (e) {
        failed = true;
        this.fail(`${w.op} in ${w.table}`, e);
        // no use trying the others now
        if (e instanceof DbError && e.code === 'unavailable') unavailable = true;
      }
    };
    for (let i = 0; i < batch.length && !unavailable; i += FLUSH_PARALLEL) {
      await Promise.all(batch.slice(i, i + FLUSH_PARALLEL).map(one));
    }
    if (failed) {
      this.o.log?.err(`usrloc: flush to ${this.db.url}: ${written} of ${batch.length} change(s) written, the rest stays dirty: ${this.counters.lastError}`);
    } else {
      this.o.log?.dbg(`usrloc: flush: ${written} change(s) written`);
    }
    return !failed;
  }

  stats(): UsrlocDbStats {
    return {
      dbMode: this.dbMode,
      url: this.db.url,
      writes: this.counters.writes,
      failures: this.counters.failures,
      dirty: this.dbMode === 2 ? this.dirty.size : this.leftover.length + this.pending.length,
      lastFlush: this.counters.lastFlush,
      lastError: this.counters.lastError,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.db.close();
  }
}
