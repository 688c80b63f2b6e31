// Where a database slots in behind usrloc. The in-memory tables are always the working copy
// (as in SER, whose db_mode 1 and 2 kept memory as a cache in front of the database); a backend
// is told of every change and asked to flush by the timer and by `ul_flush`. Memory mode (SER's
// db_mode 0, the only one this build offers) does nothing with either.

import type { UContact } from './ucontact.js';
import type { UDomain } from './udomain.js';

export interface UsrlocChange {
  readonly op: 'insert' | 'update' | 'delete';
  /** the table ("domain" in SER's words): location, aliases, ... */
  readonly table: string;
  readonly contact: UContact;
}

export interface UsrlocBackend {
  /** SER's db_mode this backend implements: 0 memory only, 1 write-through, 2 write-back */
  readonly dbMode: number;
  /**
   * Called for every change, in the order they happen, synchronously. A write-through backend
   * queues the write at once; a write-back one remembers the contact (its `state` says new or
   * dirty) for the next flush.
   */
  changed(change: UsrlocChange): void;
  /** The timer ran (every timer_interval seconds), or `ul_flush` was asked for. */
  flush(tables: readonly UDomain[]): void | Promise<void>;
  /** A table was registered: load its stored contacts into it (start-up of a database mode). */
  load?(table: UDomain): void | Promise<void>;
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
