// The user location service other modules use (SER usrloc's exported API: register_udomain,
// get/insert/delete_urecord, insert/update/delete_ucontact, and what its FIFO commands ul_stats,
// ul_dump, ul_flush, ul_add, ul_rm, ul_rm_contact, ul_show_contact need).

import { MemoryBackend, type UsrlocBackend } from './backend.js';
import { systemClock, type Clock } from './clock.js';
import { FL_PERMANENT, Q_UNSET, type ContactView, type UContact } from './ucontact.js';
import { UDomain, type TableStats } from './udomain.js';
import type { URecord } from './urecord.js';

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

export class Usrloc {
  private readonly domains = new Map<string, UDomain>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<unknown>[] = [];

  constructor(
    readonly opts: UsrlocOptions = DEFAULT_USRLOC_OPTIONS,
    readonly clock: Clock = systemClock,
    readonly backend: UsrlocBackend = new MemoryBackend(),
    private readonly log?: UsrlocLog,
  ) {}

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
      d = new UDomain(name, { descTimeOrder: this.opts.descTimeOrder }, this.backend);
      this.domains.set(name, d);
      const loaded = this.backend.load?.(d);
      if (loaded) this.loading.push(loaded);
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

  getRecord(table: string, aor: string): URecord | undefined {
    return this.domains.get(table)?.get(aor);
  }

  /** Remove an address of record and all its contacts (ul_rm, `serctl ul rm`). */
  removeRecord(table: string, aor: string): boolean {
    return this.domains.get(table)?.delete(aor) ?? false;
  }

  /** Remove one contact of an address of record (ul_rm_contact). */
  removeContact(table: string, aor: string, uri: string): RemoveContactResult {
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
  addContact(table: string, aor: string, uri: string, o: { expires?: number; q?: number; flags?: number } = {}): UContact | undefined {
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

  /** Per table: addresses of record, contacts, expired so far (ul_stats). */
  stats(): TableStats[] {
    return this.tables().map((d) => d.stats());
  }

  /** Write pending changes to the database (ul_flush); nothing to do in memory mode. */
  async flush(): Promise<void> {
    await this.backend.flush(this.tables());
  }

  /** What the timer does: remove expired contacts (and empty records); how many contacts went. */
  expire(): number {
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
      if (f) f.catch((e: unknown) => this.log?.err(`usrloc: flush failed: ${(e as Error).message}`));
    } catch (e) {
      this.log?.err(`usrloc: timer failed: ${(e as Error).message}`);
    }
  }
}
