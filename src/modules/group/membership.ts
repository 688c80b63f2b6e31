// Group membership in the grp table (SER 0.8 group module, is_user_in): a user is a member of a
// group when a row holds its username and the group, and, with use_domain, its domain.
//
// As SER, the username and the group are compared by the database (MySQL's default collation
// ignores case, SQLite and PostgreSQL do not); unlike SER, the domain is compared without case
// here (host names are case-insensitive, RFC 3261 §19.1.4), so the query asks for the rows of
// user and group and the domains are compared in memory: still one indexed query (the key starts
// with username), whatever case the table and the request use.

import { dbText } from '../../util/strings.js';
import type { Db, DbCond } from '../../db/api.js';

export interface GroupColumns {
  readonly user: string;
  readonly domain: string;
  readonly group: string;
}

export interface GroupTableOptions {
  readonly table: string;
  readonly columns: GroupColumns;
  readonly useDomain: boolean;
}

export class GroupTable {
  constructor(
    readonly db: Db,
    private readonly o: GroupTableOptions,
  ) {}

  /** Is user (@domain with use_domain) in `group`? Rejects with the database's error. */
  async isMember(user: string, domain: string, group: string): Promise<boolean> {
    const c = this.o.columns;
    const where: DbCond[] = [
      { col: c.user, value: dbText(user) },
      { col: c.group, value: group },
    ];
    if (!this.o.useDomain) {
      const rows = await this.db.query(this.o.table, { columns: [c.group], where, limit: 1 });
      return rows.length > 0;
    }
    const rows = await this.db.query(this.o.table, { columns: [c.domain], where });
    const want = dbText(domain).toLowerCase();
    return rows.some((r) => typeof r[c.domain] === 'string' && (r[c.domain] as string).toLowerCase() === want);
  }
}
