// An address of record with its contacts (SER usrloc's urecord_t).
//
// The contacts are kept in the order lookup() tries them (SER usrloc mem_insert_ucontact):
// by q, highest first, a new contact after those of equal q (so among equal q the earlier
// registration comes first); or, with desc_time_order, most recently inserted or refreshed
// first, whatever the q (SER registrar's move_on_top).

import { UContact, type ContactInfo, type ContactState, type SavedFields } from './ucontact.js';
import type { UDomain } from './udomain.js';

export class URecord {
  private readonly list: UContact[] = [];

  constructor(
    readonly domain: UDomain,
    readonly aor: string,
  ) {}

  /** The contacts in lookup order (expired ones included until the timer removes them). */
  get contacts(): readonly UContact[] {
    return this.list;
  }

  /** The contact with exactly this URI (SER compared contact URIs byte for byte). */
  find(uri: string): UContact | undefined {
    for (const c of this.list) if (c.uri === uri) return c;
    return undefined;
  }

  /** The contacts not expired at `now`, in lookup order. */
  validContacts(now: number): UContact[] {
    return this.list.filter((c) => c.isValid(now));
  }

  /**
   * Add a contact (the caller has checked that none with this URI exists). `timeOrder`
   * overrides the table's desc_time_order for this call.
   */
  insert(uri: string, info: ContactInfo, now: number, timeOrder?: boolean): UContact {
    const c = new UContact(this.aor, uri, info, now);
    this.place(c, timeOrder ?? this.domain.opts.descTimeOrder);
    this.domain.changed('insert', c);
    return c;
  }

  /**
   * Add a contact read from the database (start-up load, db_mode 3 reads): nobody is told, its
   * state is `sync`. Rows are given oldest first, so that the order is the one registrations made.
   */
  load(uri: string, info: ContactInfo, lastModified: number, state: ContactState = 'sync'): UContact {
    const c = new UContact(this.aor, uri, info, lastModified);
    c.state = state;
    this.place(c, this.domain.opts.descTimeOrder);
    return c;
  }

  /** The contacts and their values, to put back with restore() if a database write fails. */
  save(): RecordSave {
    return this.list.map((c) => [c, c.saveFields()] as const);
  }

  /** Put the contacts back as save() found them (nobody is told). */
  restore(saved: RecordSave): void {
    this.list.length = 0;
    for (const [c, f] of saved) {
      c.restoreFields(f);
      this.list.push(c);
    }
  }

  /** Refresh a contact of this record with the values of a newer registration. */
  update(c: UContact, info: ContactInfo, now: number, timeOrder?: boolean): void {
    const oldQ = c.q;
    c.assign(info, now);
    const byTime = timeOrder ?? this.domain.opts.descTimeOrder;
    if (byTime || c.q !== oldQ) {
      this.unlink(c);
      this.place(c, byTime);
    }
    this.domain.changed('update', c);
  }

  /** Remove one contact; false if it is not in this record. */
  remove(c: UContact): boolean {
    if (!this.unlink(c)) return false;
    this.domain.changed('delete', c);
    return true;
  }

  /** Remove the contacts expired at `now` (never the permanent ones); how many went. */
  expire(now: number): number {
    let n = 0;
    for (const c of [...this.list]) {
      if (!c.isValid(now)) {
        this.remove(c);
        n++;
      }
    }
    return n;
  }

  private place(c: UContact, byTime: boolean): void {
    if (byTime) {
      this.list.unshift(c);
      return;
    }
    let i = 0;
    while (i < this.list.length && this.list[i]!.q >= c.q) i++;
    this.list.splice(i, 0, c);
  }

  private unlink(c: UContact): boolean {
    const i = this.list.indexOf(c);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }
}

/** What URecord.save() keeps: each contact with its values, in order. */
export type RecordSave = readonly (readonly [UContact, SavedFields])[];
