// The domains this server is responsible for (SER 0.8.11 modules/domain): the `domain` column of
// the domain table. db_mode 0 asks the database for every check; db_mode 1 reads the table into
// memory at start-up and again on reload() (SER's `domain_reload` FIFO command), and answers
// from memory. Host names compare without regard to ASCII case (SER: strncasecmp in the cache,
// the database's collation in db_mode 0; here lower() in SQL, so SQLite and PostgreSQL, whose
// comparisons keep case, agree with MySQL).

import type { Db } from '../../db/api.js';
import { checkIdent } from '../../db/sql-build.js';

export interface DomainListOptions {
  readonly dbMode: 0 | 1;
  readonly table: string;
  readonly column: string;
}

/** A host name as compared: ASCII lower case (host names are case-insensitive, RFC 3261 §19.1.4). */
export function hostKey(host: string): string {
  return host.toLowerCase();
}

export class DomainList {
  private cache: ReadonlySet<string> | undefined;
  private loading: Promise<number> | undefined;

  constructor(
    readonly db: Db,
    readonly o: DomainListOptions,
  ) {
    checkIdent(o.table);
    checkIdent(o.column);
  }

  /** The cached domains (db_mode 1), lower case; undefined before the first load. */
  get cached(): ReadonlySet<string> | undefined {
    return this.cache;
  }

  /**
   * db_mode 1: reads the table and replaces the cache with it at once (a check never sees half a
   * table); resolves to the number of domains. When the read fails, the cache stays as it was and
   * the promise rejects. Reloads asked for while one runs share it.
   */
  reload(): Promise<number> {
    if (this.o.dbMode !== 1) {
      return Promise.reject(new Error('domain: db_mode 0 keeps no copy of the domain table: there is nothing to reload'));
    }
    this.loading ??= this.readAll().then(
      (set) => {
        this.cache = set;
        this.loading = undefined;
        return set.size;
      },
      (e: unknown) => {
        this.loading = undefined;
        throw e;
      },
    );
    return this.loading;
  }

  private async readAll(): Promise<Set<string>> {
    const rows = await this.db.query(this.o.table, { columns: [this.o.column] });
    const set = new Set<string>();
    for (const r of rows) {
      const d = r[this.o.column];
      if (typeof d === 'string' && d !== '') set.add(hostKey(d));
    }
    return set;
  }

  /** db_mode 1: is `host` in the cached table? (false before the first load) */
  isCached(host: string): boolean {
    return this.cache !== undefined && host !== '' && this.cache.has(hostKey(host));
  }

  /**
   * Is `host` one of the domains? db_mode 1 answers at once from the cache; db_mode 0 asks the
   * database (one query; rejects with its error).
   */
  isLocal(host: string): boolean | Promise<boolean> {
    if (this.o.dbMode === 1) return this.isCached(host);
    if (host === '') return false;
    return this.query(hostKey(host));
  }

  private async query(key: string): Promise<boolean> {
    const { table, column } = this.o;
    if (this.db.caps.raw) {
      // names checked (identifiers of the schema, lower case): unquoted, they read the same in
      // SQLite, MySQL and PostgreSQL; the host is a bound value
      const rows = await this.db.raw(`SELECT ${column} FROM ${table} WHERE lower(${column}) = ? LIMIT 1`, [key]);
      return rows.length > 0;
    }
    // dbtext (no SQL; its tables are in memory anyway): compare every row
    const rows = await this.db.query(table, { columns: [column] });
    return rows.some((r) => typeof r[column] === 'string' && hostKey(r[column] as string) === key);
  }
}
