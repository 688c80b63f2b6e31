// A table of addresses of record (SER usrloc's udomain_t; "domain" is SER's word for a table
// such as `location` or `aliases`, the name given to save() and lookup()).

import type { UsrlocBackend } from './backend.js';
import type { UContact } from './ucontact.js';
import { URecord, type RecordSave } from './urecord.js';

export interface TableOptions {
  /** order contacts by time of last registration instead of q (usrloc's desc_time_order) */
  readonly descTimeOrder: boolean;
}

export interface TableStats {
  readonly table: string;
  /** addresses of record with at least one contact ("Registered" in serctl's UsrLoc Stats) */
  readonly records: number;
  readonly contacts: number;
  /** contacts removed by the timer because they expired, since start ("Expired") */
  readonly expired: number;
}

export class UDomain {
  private readonly recs = new Map<string, URecord>();
  /** contacts the timer removed because they expired, since start */
  expired = 0;
  /** expire() is running: the changes it makes are expiries */
  private expiring = false;

  constructor(
    readonly name: string,
    readonly opts: TableOptions,
    private readonly backend: UsrlocBackend,
  ) {}

  /** Number of addresses of record. */
  get size(): number {
    return this.recs.size;
  }

  /** The record of an address of record (compared exactly: the caller normalises case). */
  get(aor: string): URecord | undefined {
    return this.recs.get(aor);
  }

  /** The record of `aor`, created empty if there is none (SER's insert_urecord). */
  insert(aor: string): URecord {
    let r = this.recs.get(aor);
    if (!r) {
      r = new URecord(this, aor);
      this.recs.set(aor, r);
    }
    return r;
  }

  /** Remove an address of record with all its contacts; false if there was none. */
  delete(aor: string): boolean {
    const r = this.recs.get(aor);
    if (!r) return false;
    for (const c of [...r.contacts]) r.remove(c);
    this.recs.delete(aor);
    return true;
  }

  /** Drop `r` if it has no contacts left (SER's release_urecord). */
  release(r: URecord): void {
    if (r.contacts.length === 0 && this.recs.get(r.aor) === r) this.recs.delete(r.aor);
  }

  records(): IterableIterator<URecord> {
    return this.recs.values();
  }

  contactCount(): number {
    let n = 0;
    for (const r of this.recs.values()) n += r.contacts.length;
    return n;
  }

  /** Remove the contacts expired at `now`, and the records left empty; how many contacts went. */
  expire(now: number): number {
    let n = 0;
    this.expiring = true;
    try {
      for (const r of [...this.recs.values()]) {
        n += r.expire(now);
        this.release(r);
      }
    } finally {
      this.expiring = false;
    }
    this.expired += n;
    return n;
  }

  /** The state of one address of record, to put back with restore() (a failed database write). */
  snapshot(aor: string): RecordSnapshot {
    const rec = this.recs.get(aor);
    return { aor, rec, contacts: rec ? rec.save() : [] };
  }

  /** Put an address of record back as snapshot() found it; nobody is told. */
  restore(s: RecordSnapshot): void {
    if (s.rec) {
      s.rec.restore(s.contacts);
      if (s.rec.contacts.length) this.recs.set(s.aor, s.rec);
      else this.recs.delete(s.aor);
    } else {
      this.recs.delete(s.aor);
    }
  }

  /**
   * Replace what memory holds for `aor` by what the database holds (db_mode 3 reads the record
   * before changing it); nobody is told. `load` fills the fresh record.
   */
  replace(aor: string, load: (r: URecord) => void): URecord | undefined {
    const r = new URecord(this, aor);
    load(r);
    if (r.contacts.length) this.recs.set(aor, r);
    else this.recs.delete(aor);
    return r.contacts.length ? r : undefined;
  }

  /** Forget `aor` without telling anyone (db_mode 3: memory holds a record only while it changes). */
  forget(aor: string): void {
    this.recs.delete(aor);
  }

  stats(): TableStats {
    return { table: this.name, records: this.recs.size, contacts: this.contactCount(), expired: this.expired };
  }

  /** Called by the records of this table for every change (the backend hears of it). */
  changed(op: 'insert' | 'update' | 'delete', contact: UContact): void {
    this.backend.changed({ op, table: this.name, contact, expired: this.expiring });
  }
}

export interface RecordSnapshot {
  readonly aor: string;
  readonly rec: URecord | undefined;
  readonly contacts: RecordSave;
}
