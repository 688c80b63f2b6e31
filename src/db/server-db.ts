import { DbError, type Db, type DbCapabilities, type DbCond, type DbQuery, type DbStats, type DbValue, type Row } from './api.js';
import { MAX_BATCH, splitRows, unionOf } from './read-batch.js';
import { buildDelete, buildInsert, buildReplace, buildSelect, buildUpdate, toPositional, type Built } from './sql-build.js';
import { Deadline, wholeSeconds, type ConnectionGuard, type OpContext } from './reconnect.js';

/** A lookup waiting for a connection (see read-batch.ts). */
interface Waiter {
  readonly ctx: OpContext;
  readonly params: readonly DbValue[];
  readonly resolve: (rows: Row[]) => void;
  readonly reject: (err: unknown) => void;
}

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

  /** statements running or waiting in the driver's pool */
  private busy = 0;
  /** lookups waiting for a connection, by statement text, oldest first */
  private readonly waiting = new Map<string, Waiter[]>();

  /** `poolSize`: the connections of the pool; lookups beyond them wait and are batched */
  constructor(
    private readonly dialect: 'mysql' | 'postgres',
    private readonly poolSize: number,
  ) {}

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
    return this.guard.run(what, async (ctx) => then(await this.counted(ctx, b)), retryOnce);
  }

  /** Runs a statement, counting it while it runs; when it ends, waiting lookups may go. */
  private async counted(ctx: OpContext, b: Built): Promise<R> {
    this.busy++;
    try {
      return await this.exec(ctx, b);
    } finally {
      this.busy--;
      this.drain();
    }
  }

  query(table: string, q: DbQuery = {}): Promise<Row[]> {
    // Lookups by a condition, in no particular order, may share a statement with others of the
    // same text (read-batch.ts); ordered ones keep theirs, as a UNION would lose the order.
    if (q.where === undefined || q.where.length === 0 || q.orderBy !== undefined) {
      return this.run(`query ${String(table)}`, () => buildSelect(this.dialect, table, q), (r) => this.rows(r), true);
    }
    let b: Built;
    try {
      b = buildSelect(this.dialect, table, q);
    } catch (err) {
      return Promise.reject(this.guard.refused(err));
    }
    return this.guard.run(`query ${String(table)}`, (ctx) => this.lookup(ctx, b), true);
  }

  /** A lookup: at once while a connection is free, else queued with those of the same text. */
  private lookup(ctx: OpContext, b: Built): Promise<Row[]> {
    if (this.busy < this.poolSize) return this.counted(ctx, b).then((r) => this.rows(r));
    return new Promise<Row[]>((resolve, reject) => {
      const w: Waiter = { ctx, params: b.params, resolve, reject };
      let list = this.waiting.get(b.sql);
      if (!list) this.waiting.set(b.sql, (list = []));
      list.push(w);
      // past its deadline while still waiting: out of the queue (the guard has answered it)
      ctx.onAbort(() => {
        const l = this.waiting.get(b.sql);
        const i = l ? l.indexOf(w) : -1;
        if (i >= 0) l!.splice(i, 1);
        if (l && l.length === 0) this.waiting.delete(b.sql);
      });
    });
  }

  /** Sends waiting lookups while connections are free: up to MAX_BATCH of one text at a time, texts in turn. */
  private drain(): void {
    while (this.busy < this.poolSize && this.waiting.size > 0) {
      const [sql, list] = this.waiting.entries().next().value as [string, Waiter[]];
      const ws = list.splice(0, MAX_BATCH);
      // what is left of this text goes behind the other texts waiting: none waits for ever
      this.waiting.delete(sql);
      if (list.length > 0) this.waiting.set(sql, list);
      if (ws.length === 1) {
        const w = ws[0]!;
        this.counted(w.ctx, { sql, params: [...w.params] }).then((r) => w.resolve(this.rows(r)), w.reject);
        continue;
      }
      // The shared statement's connection is dropped once every lookup in it has passed its
      // deadline: until then one of them still waits for the answer.
      const ctx = new Deadline();
      let left = ws.length;
      for (const w of ws) {
        w.ctx.onAbort(() => {
          if (--left === 0) ctx.abort(w.ctx.reason);
        });
      }
      const done = (): void => {
        for (const w of ws) w.ctx.onAbort(undefined);
      };
      const b = unionOf(this.dialect, sql, ws.map((w) => w.params));
      this.counted(ctx, b).then(
        (r) => {
          done();
          const parts = splitRows(this.rows(r), ws.length);
          ws.forEach((w, i) => w.resolve(parts[i]!));
        },
        (err: unknown) => {
          done();
          for (const w of ws) w.reject(err);
        },
      );
    }
  }

  /** Closing: the lookups still waiting fail at once rather than at their deadlines. */
  protected failWaiting(err: unknown): void {
    const lists = [...this.waiting.values()];
    this.waiting.clear();
    for (const list of lists) for (const w of list) w.reject(err);
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
