import { DbError, type Db, type DbCapabilities, type DbCond, type DbQuery, type DbStats, type DbValue, type Row } from './api.js';
import type { ConnectionGuard, OpContext } from './reconnect.js';
import { buildDelete, buildInsert, buildReplace, buildSelect, buildUpdate, toPositional, type Built } from './sql-build.js';
import { wholeSeconds } from './reconnect.js';

/**
 * What the two network SQL adapters (MySQL/MariaDB, PostgreSQL) share: the Db operations as
 * statements built for the dialect, run under the connection guard (deadline, outage handling,
 * one retry for reads). An adapter supplies how a statement runs and how its result reads.
 */
export abstract class ServerDb<R> implements Db {
  abstract readonly url: string;
  abstract readonly caps: DbCapabilities;
  readonly stats: DbStats = { queries: 0, errors: 0, reconnects: 0, connected: true, lastError: undefined };
  abstract readonly guard: ConnectionGuard;

  constructor(private readonly dialect: 'mysql' | 'postgres') {}

  /** Run one built statement on a connection of the pool, within `ctx`'s deadline. */
  protected abstract exec(ctx: OpContext, b: Built): Promise<R>;
  protected abstract rows(result: R): Row[];
  protected abstract count(result: R): number;
  abstract close(): Promise<void>;

  /** Builds the statement (a refused name or value is counted as an error), then runs it. */
  private async run<T>(what: string, build: () => Built, then: (result: R) => T, retryOnce = false): Promise<T> {
    let b: Built;
    try {
      b = build();
    } catch (err) {
      throw this.guard.refused(err);
    }
    return this.guard.run(what, async (ctx) => then(await this.exec(ctx, b)), retryOnce);
  }

  query(table: string, q: DbQuery = {}): Promise<Row[]> {
    return this.run(`query ${String(table)}`, () => buildSelect(this.dialect, table, q), (r) => this.rows(r), true);
  }

  insert(table: string, row: Row): Promise<void> {
    return this.run(`insert into ${String(table)}`, () => buildInsert(this.dialect, table, wholeSeconds(row)), () => undefined);
  }

  update(table: string, where: readonly DbCond[], set: Row): Promise<number> {
    return this.run(`update ${String(table)}`, () => buildUpdate(this.dialect, table, where, wholeSeconds(set)), (r) => this.count(r));
  }

  delete(table: string, where?: readonly DbCond[]): Promise<number> {
    return this.run(`delete from ${String(table)}`, () => buildDelete(this.dialect, table, where), (r) => this.count(r));
  }

  replace(table: string, row: Row, key: readonly string[]): Promise<void> {
    return this.run(`replace into ${String(table)}`, () => buildReplace(this.dialect, table, wholeSeconds(row), key), () => undefined);
  }

  raw(sql: string, params: readonly DbValue[] = []): Promise<Row[]> {
    return this.run(
      'raw query',
      () => {
        if (typeof sql !== 'string' || sql.trim() === '') throw new DbError('raw: expected an SQL statement', 'bad-request');
        if (!Array.isArray(params)) throw new DbError('raw: expected an array of parameters', 'bad-request');
        return { sql: this.dialect === 'postgres' ? toPositional(sql) : sql, params: [...params] };
      },
      (r) => this.rows(r),
    );
  }
}
