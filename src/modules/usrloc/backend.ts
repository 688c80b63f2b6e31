// Where a database slots in behind usrloc (SER's db_mode). In modes 0, 1 and 2 the in-memory
// tables are the working copy (as in SER, whose db_mode 1 and 2 kept memory as a cache in front
// of the database); a backend is told of every change and asked to flush by the timer, by
// `ul_flush` and at shutdown. In mode 3 memory holds an address of record only while a request
// changes it: the database is the only copy (src/modules/usrloc/db-backend.ts).

import type { ContactInfo, UContact } from './ucontact.js';
import type { UDomain } from './udomain.js';

export interface UsrlocChange {
  readonly op: 'insert' | 'update' | 'delete';
  /** the table ("domain" in SER's words): location, aliases, ... */
  readonly table: string;
  readonly contact: UContact;
  /** a delete made by the expiry timer (the database deletes its expired rows by itself) */
  readonly expired?: boolean;
}

/** The database side of usrloc, for `ul_stats` and the management interface. */
export interface UsrlocDbStats {
  readonly dbMode: number;
  /** the database URL, password hidden */
  readonly url: string;
  /** rows written (inserted, updated or deleted one by one) since start */
  readonly writes: number;
  /** writes (and reads, in db_mode 3) that failed since start */
  readonly failures: number;
  /** changes waiting for the next flush (db_mode 2), or to be written again (db_mode 1) */
  readonly dirty: number;
  /** when the last flush that wrote everything ended (seconds since the epoch), or undefined */
  readonly lastFlush: number | undefined;
  /** the last failure, for operators */
  readonly lastError: string | undefined;
}

/** A contact as the database holds it. */
export interface StoredContact {
  readonly aor: string;
  readonly uri: string;
  readonly info: ContactInfo;
  readonly lastModified: number;
}

export interface UsrlocBackend {
  /** SER's db_mode this backend implements: 0 memory only, 1 write-through, 2 write-back, 3 database only */
  readonly dbMode: number;
  /**
   * Called for every change, in the order they happen, synchronously. A write-through backend
   * records the write for take(); a write-back one remembers the contact for the next flush.
   */
  changed(change: UsrlocChange): void;
  /** The timer ran (every timer_interval seconds), or `ul_flush` was asked for, or the server stops. */
  flush(tables: readonly UDomain[]): void | Promise<void>;
  /** A table was registered: check that the database can hold it (throws when not). */
  check?(table: string): void;
  /** A table was registered: load its stored contacts into it (start-up of db_mode 1 and 2). */
  load?(table: UDomain): void | Promise<void>;
  /** db_mode 1 and 3: the writes the changes since the last take() call for (handed to write()). */
  take?(): unknown[];
  /** db_mode 1 and 3: give back writes taken but not meant for write() (written with the next flush) */
  requeue?(writes: unknown[]): void;
  /** db_mode 1 and 3: write these now; rejects when any of them failed */
  write?(writes: unknown[]): Promise<void>;
  /** db_mode 3: the contacts the database holds for `aor`, not expired at `now`, oldest first */
  read?(table: string, aor: string, now: number): Promise<StoredContact[]>;
  /** db_mode 3: every contact of a table not expired at `now`, oldest first (ul_dump, ul_stats) */
  readAll?(table: string, now: number): Promise<StoredContact[]>;
  stats?(): UsrlocDbStats;
  /** The server stops. */
  close(): void | Promise<void>;
}

/** db_mode 0: contacts live in memory only and are lost on restart. */
export class MemoryBackend implements UsrlocBackend {
  readonly dbMode = 0;
  changed(): void {}
  flush(): void {}
  close(): void {}
}
