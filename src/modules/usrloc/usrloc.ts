// The user location service other modules use (SER usrloc's exported API: register_udomain,
// get/insert/delete_urecord, insert/update/delete_ucontact, and what its FIFO commands ul_stats,
// ul_dump, ul_flush, ul_add, ul_rm, ul_rm_contact, ul_show_contact need).

import { MemoryBackend, type StoredContact, type UsrlocBackend, type UsrlocDbStats } from './backend.js';
import { systemClock, type Clock } from './clock.js';
import { FL_PERMANENT, Q_UNSET, type ContactView, type UContact } from './ucontact.js';
import { UDomain, type TableStats } from './udomain.js';
import { URecord } from './urecord.js';
import { errorText } from '../../util/error-text.js';

export interface UsrlocOptions {
  /** addresses of record are "user@domain" rather than "user" (usrloc's use_domain) */
  readonly useDomain: boolean;
  /** order contacts by time of last registration instead of q (usrloc's desc_time_order) */
  readonly descTimeOrder: boolean;
  /** seconds between two runs of the timer that removes expired contacts (timer_interval) */
  readonly timerInterval: number;
}

export const DEFAULT_USRLOC_OPTIONS: UsrlocOptions = { useDomain: false, descTimeOrder: false, timerInterval: 60 };

/** The part of the core's logger usrloc writes to. */
export interface UsrlocLog {
  err(message: string): void;
  dbg(message: string): void;
}

/**
 * The Call-ID and CSeq SER's ul_add gives contacts added by an administrator ("Dedicated to
 * Douglas Adams, don't panic!", usrloc ul_fifo.c).
 */
export const ADMIN_CALL_ID = 'The-Answer-To-The-Ultimate-Question-Of-Life-Universe-And-Everything';
export const ADMIN_CSEQ = 42;

export interface RecordDump {
  readonly aor: string;
  readonly contacts: readonly ContactView[];
}

export interface TableDump {
  readonly table: string;
  readonly records: readonly RecordDump[];
}

export type RemoveContactResult = 'deleted' | 'no-table' | 'no-record' | 'no-contact';

/**
 * A change could not be written to the database (db_mode 1 and 3): memory was put back as it
 * was, so memory and database agree; the request should be answered 500 with Retry-After.
 */
export class UsrlocDbError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsrlocDbError';
  }
}

/** Whether `e` (from a database adapter) means the database is unreachable rather than the request bad. */
export function isUnavailable(e: unknown): boolean {
  const c = (e as { cause?: unknown })?.cause ?? e;
  return (c as { code?: unknown })?.code === 'unavailable';
}

export class Usrloc {
  private readonly domains = new Map<string, UDomain>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<unknown>[] = [];
  /** per table + address of record: the end of the last change queued for it (db_mode 1 and 3) */
  private readonly locks = new Map<string, Promise<void>>();
  /** db_mode 3: tables that only read records (lookup), never shared with changes */
  private readonly scratch = new Map<string, UDomain>();
  /**
   * How save() and lookup() form an address of record (registrar's use_domain and
   * case_sensitive, set by registrar's create()), so that the management commands (ul_add,
   * ul_rm, ul_show_contact...) find the records they stored.
   */
  aorOptions: { useDomain: boolean; caseSensitive: boolean };

  constructor(
    readonly opts: UsrlocOptions = DEFAULT_USRLOC_OPTIONS,
    readonly clock: Clock = systemClock,
    readonly backend: UsrlocBackend = new MemoryBackend(),
    private readonly log?: UsrlocLog,
  ) {
    this.aorOptions = { useDomain: opts.useDomain, caseSensitive: false };
  }

  /** SER's db_mode: 0 memory only, 1 write-through, 2 write-back, 3 database only. */
  get dbMode(): number {
    return this.backend.dbMode;
  }

  /** Changes are written before the request is answered (db_mode 1 and 3): use change(). */
  get writesThrough(): boolean {
    return this.backend.dbMode === 1 || this.backend.dbMode === 3;
  }

  /** The current time in seconds, by the clock everything here uses. */
  now(): number {
    return this.clock();
  }

  /**
   * The table of this name, created if needed (SER's register_udomain, called by registrar's
   * fixups for every table save() and lookup() name).
   */
  registerTable(name: string): UDomain {
    let d = this.domains.get(name);
    if (!d) {
      this.backend.check?.(name);
      d = new UDomain(name, { descTimeOrder: this.opts.descTimeOrder }, this.backend);
      this.domains.set(name, d);
      const loaded = this.backend.load?.(d);
      if (loaded) {
        // ready() reports the failure; until then it must not count as unhandled
        loaded.catch(() => {});
        this.loading.push(loaded);
      }
    }
    return d;
  }

  /** A registered table, or undefined. */
  table(name: string): UDomain | undefined {
    return this.domains.get(name);
  }

  tables(): UDomain[] {
    return [...this.domains.values()];
  }

  /** Resolves once every table has been loaded from the backend (immediately in memory mode). */
  async ready(): Promise<void> {
    const l = this.loading;
    this.loading = [];
    await Promise.all(l);
  }

  /** Some table is still being loaded (await ready()). */
  get loadPending(): boolean {
    return this.loading.length > 0;
  }

  /**
   * Change one address of record so that memory and database agree (SER's db_mode 1 and 3):
   * `fn` changes the table synchronously; its writes are awaited before the promise resolves. A
   * failed write puts the record back as it was and rejects with UsrlocDbError. Changes of the
   * same address of record run one after the other. In db_mode 3 the record is read from the
   * database first and forgotten afterwards. In db_mode 0 and 2 `fn` just runs.
   */
  async change<T>(table: string, aor: string, fn: (d: UDomain) => T): Promise<T> {
    const d = this.registerTable(table);
    if (!this.writesThrough) return fn(d);
    const key = `${table}\0${aor}`;
    const prev = this.locks.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev ? prev.then(() => mine) : mine;
    this.locks.set(key, tail);
    if (prev) await prev;
    try {
      if (this.dbMode === 3) {
        let stored: StoredContact[];
        try {
          stored = await this.backend.read!(table, aor, this.now());
        } catch (e) {
          throw new UsrlocDbError(`usrloc: cannot read '${aor}' from ${table}: ${(e as Error).message}`, { cause: e });
        }
        d.replace(aor, (r) => fill(r, stored));
      }
      // writes queued by the synchronous API before: not this change's
      const before = this.backend.take!();
      const snap = d.snapshot(aor);
      let result: T;
      try {
        result = fn(d);
      } catch (e) {
        this.backend.take!();
        d.restore(snap);
        throw e;
      } finally {
        this.backend.requeue!(before);
      }
      const writes = this.backend.take!();
      if (writes.length) {
        try {
          await this.backend.write!(writes);
        } catch (e) {
          d.restore(snap);
          throw new UsrlocDbError(`usrloc: cannot write '${aor}' to ${table}: ${(e as Error).message}`, { cause: e });
        }
        const r = d.get(aor);
        if (r) for (const c of r.contacts) c.state = 'sync';
      }
      return result;
    } finally {
      if (this.dbMode === 3) d.forget(aor);
      release();
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /**
   * The record of `aor` for reading (lookup): from memory, or in db_mode 3 read from the
   * database (a copy nobody else sees). Rejects with UsrlocDbError when the database fails.
   */
  async fetchRecord(table: string, aor: string): Promise<URecord | undefined> {
    const d = this.registerTable(table);
    if (this.dbMode !== 3) return d.get(aor);
    let stored: StoredContact[];
    try {
      stored = await this.backend.read!(table, aor, this.now());
    } catch (e) {
      throw new UsrlocDbError(`usrloc: cannot read '${aor}' from ${table}: ${(e as Error).message}`, { cause: e });
    }
    if (stored.length === 0) return undefined;
    let s = this.scratch.get(table);
    if (!s) this.scratch.set(table, (s = new UDomain(table, d.opts, new MemoryBackend())));
    const r = new URecord(s, aor);
    fill(r, stored);
    return r;
  }

  getRecord(table: string, aor: string): URecord | undefined {
    return this.domains.get(table)?.get(aor);
  }

  private syncOnly(what: string): void {
    if (this.dbMode === 3) throw new Error(`usrloc: ${what}() works on memory, which db_mode 3 does not use: use ${what}Async()`);
  }

  /**
   * Remove an address of record and all its contacts (ul_rm, `serctl ul rm`). In db_mode 1
   * the delete is written by the next timer run: use removeRecordAsync().
   */
  removeRecord(table: string, aor: string): boolean {
    this.syncOnly('removeRecord');
    return this.domains.get(table)?.delete(aor) ?? false;
  }

  /** removeRecord() in every db_mode: written to the database before it resolves (db_mode 1, 3). */
  async removeRecordAsync(table: string, aor: string): Promise<boolean> {
    if (!this.domains.has(table)) return false;
    return this.change(table, aor, (d) => d.delete(aor));
  }

  /** Remove one contact of an address of record (ul_rm_contact). */
  removeContact(table: string, aor: string, uri: string): RemoveContactResult {
    this.syncOnly('removeContact');
    return this.removeContactNow(table, aor, uri);
  }

  /** removeContact() in every db_mode. */
  async removeContactAsync(table: string, aor: string, uri: string): Promise<RemoveContactResult> {
    if (!this.domains.has(table)) return 'no-table';
    return this.change(table, aor, () => this.removeContactNow(table, aor, uri));
  }

  private removeContactNow(table: string, aor: string, uri: string): RemoveContactResult {
    const d = this.domains.get(table);
    if (!d) return 'no-table';
    const r = d.get(aor);
    if (!r) return 'no-record';
    const c = r.find(uri);
    if (!c) return 'no-contact';
    r.remove(c);
    d.release(r);
    return 'deleted';
  }

  /**
   * Add or replace a contact by hand (ul_add, `serctl ul add`): `expires` in seconds from now,
   * or 0 / undefined for a contact that never expires; q 0..1 (default 1, as serctl gave) or
   * Q_UNSET. Undefined when the table is not registered (SER: "Table ... Not Found").
   */
  addContact(table: string, aor: string, uri: string, o: AddOptions = {}): UContact | undefined {
    this.syncOnly('addContact');
    return this.addContactNow(table, aor, uri, o);
  }

  /** addContact() in every db_mode: written to the database before it resolves (db_mode 1, 3). */
  async addContactAsync(table: string, aor: string, uri: string, o: AddOptions = {}): Promise<ContactView | undefined> {
    if (!this.domains.has(table)) return undefined;
    const c = await this.change(table, aor, () => this.addContactNow(table, aor, uri, o));
    return c?.view(this.now());
  }

  /** addPermanent() in every db_mode. */
  async addPermanentAsync(table: string, aor: string, uri: string, q = 1): Promise<ContactView | undefined> {
    return this.addContactAsync(table, aor, uri, { q });
  }

  private addContactNow(table: string, aor: string, uri: string, o: AddOptions): UContact | undefined {
    const d = this.domains.get(table);
    if (!d) return undefined;
    const now = this.now();
    const permanent = !o.expires;
    const info = {
      expires: permanent ? 0 : now + o.expires!,
      q: o.q ?? 1,
      callId: ADMIN_CALL_ID,
      cseq: ADMIN_CSEQ,
      flags: (o.flags ?? 0) | (permanent ? FL_PERMANENT : 0),
    };
    if (info.q !== Q_UNSET && !(info.q >= 0 && info.q <= 1)) throw new RangeError(`q must be between 0 and 1, not ${info.q}`);
    const r = d.insert(aor);
    const c = r.find(uri);
    if (c) {
      r.update(c, info, now);
      return c;
    }
    return r.insert(uri, info, now);
  }

  /** A contact that never expires (`serctl ul add <user> <uri>`). */
  addPermanent(table: string, aor: string, uri: string, q = 1): UContact | undefined {
    return this.addContact(table, aor, uri, { q });
  }

  /** Everything in memory, table by table (ul_dump). */
  dump(): TableDump[] {
    const now = this.now();
    return this.tables().map((d) => ({
      table: d.name,
      records: [...d.records()].map((r) => ({ aor: r.aor, contacts: r.contacts.map((c) => c.view(now)) })),
    }));
  }

  /** dump() in every db_mode: in db_mode 3 read from the database. */
  async dumpAsync(): Promise<TableDump[]> {
    if (this.dbMode !== 3) return this.dump();
    const now = this.now();
    const out: TableDump[] = [];
    for (const d of this.tables()) {
      const recs = await this.readTable(d);
      out.push({ table: d.name, records: [...recs.values()].map((r) => ({ aor: r.aor, contacts: r.contacts.map((c) => c.view(now)) })) });
    }
    return out;
  }

  /** Per table: addresses of record, contacts, expired so far (ul_stats). */
  stats(): TableStats[] {
    return this.tables().map((d) => d.stats());
  }

  /** stats() in every db_mode: in db_mode 3 counted in the database. */
  async statsAsync(): Promise<TableStats[]> {
    if (this.dbMode !== 3) return this.stats();
    const out: TableStats[] = [];
    for (const d of this.tables()) {
      const recs = await this.readTable(d);
      let contacts = 0;
      for (const r of recs.values()) contacts += r.contacts.length;
      out.push({ table: d.name, records: recs.size, contacts, expired: d.expired });
    }
    return out;
  }

  private async readTable(d: UDomain): Promise<Map<string, URecord>> {
    const stored = await this.backend.readAll!(d.name, this.now());
    const s = new UDomain(d.name, d.opts, new MemoryBackend());
    const recs = new Map<string, URecord>();
    for (const sc of stored) {
      let r = recs.get(sc.aor);
      if (!r) recs.set(sc.aor, (r = new URecord(s, sc.aor)));
      if (!r.find(sc.uri)) r.load(sc.uri, sc.info, sc.lastModified);
    }
    return recs;
  }

  /** The database side (writes, failures, dirty changes, last flush); undefined in db_mode 0. */
  dbStats(): UsrlocDbStats | undefined {
    return this.backend.stats?.();
  }

  /** Write pending changes to the database (ul_flush); nothing to do in memory mode. */
  async flush(): Promise<void> {
    await this.backend.flush(this.tables());
  }

  /** What the timer does: remove expired contacts (and empty records); how many contacts went. */
  expire(): number {
    // db_mode 3: memory holds only records being changed; the database deletes expired rows
    if (this.dbMode === 3) return 0;
    const now = this.now();
    let n = 0;
    for (const d of this.domains.values()) n += d.expire(now);
    if (n) this.log?.dbg(`usrloc: ${n} expired contact(s) removed`);
    return n;
  }

  /** Start the timer (it does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.timerInterval * 1000);
    this.timer.unref();
  }

  /** Stop the timer, flush and close the backend. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } finally {
      await this.backend.close();
    }
  }

  private tick(): void {
    try {
      this.expire();
      const f = this.backend.flush(this.tables());
      if (f) f.catch((e: unknown) => this.log?.err(`usrloc: flush failed: ${errorText(e)}`));
    } catch (e) {
      this.log?.err(`usrloc: timer failed: ${errorText(e)}`);
    }
  }
}

export interface AddOptions {
  /** seconds from now; 0 or undefined: permanent */
  readonly expires?: number;
  readonly q?: number;
  readonly flags?: number;
}

/** Put stored contacts into a record (oldest first, so the order is the registrations'). */
function fill(r: URecord, stored: readonly StoredContact[]): void {
  for (const s of stored) if (s.aor === r.aor && !r.find(s.uri)) r.load(s.uri, s.info, s.lastModified);
}
