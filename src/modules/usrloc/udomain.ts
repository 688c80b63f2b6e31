// A table of addresses of record (SER usrloc's udomain_t; "domain" is SER's word for a table
// such as `location` or `aliases`, the name given to save() and lookup()).

import type { UsrlocBackend } from './backend.js';
import type { UContact } from './ucontact.js';
import { URecord } from './urecord.js';

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
    for (const r of [...this.recs.values()]) {
      n += r.expire(now);
      this.release(r);
    }
    this.expired += n;
    return n;
  }

  stats(): TableStats {
    return { table: this.name, records: this.recs.size, contacts: this.contactCount(), expired: this.expired };
  }

  /** Called by the records of this table for every change (the backend hears of it). */
  changed(op: 'insert' | 'update' | 'delete', contact: UContact): void {
    this.backend.changed({ op, table: this.name, contact });
  }
}
