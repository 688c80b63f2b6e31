// ServerDb's lookup queue without a server: a fake adapter answers the statements it is given
// (subscriber lookups by username and domain) after a turn of the event loop, and records them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbError, type DbCapabilities, type DbValue, type Row } from './api.js';
import { BATCH_INDEX } from './read-batch.js';
import { ConnectionGuard, describeError, type OpContext } from './reconnect.js';
import { ServerDb } from './server-db.js';
import type { Built } from './sql-build.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The users the fake database knows: username -> ha1. */
const USERS: Record<string, string> = { alice: 'ha-a', bob: 'ha-b', carol: 'ha-c' };

class FakeDb extends ServerDb<Row[]> {
  readonly url = 'mysql://fake/ser';
  readonly caps: DbCapabilities = { query: true, insert: true, update: true, delete: true, replace: true, raw: true };
  readonly guard: ConnectionGuard;
  /** every statement run, in order */
  readonly sent: Built[] = [];
  /** statements hang (until their context is aborted) while true */
  hang = false;
  /** contexts aborted while their statement ran */
  aborted = 0;
  /** statements neither answer nor heed their deadline (a driver that is stuck) while true */
  stuck = false;
  private readonly stuckOnes: (() => void)[] = [];

  constructor(poolSize: number, deadlineMs = 1000) {
    super('mysql', poolSize);
    this.guard = new ConnectionGuard({
      name: this.url,
      stats: this.stats,
      probe: async () => undefined,
      classify: (e, what) => new DbError(`${what}: ${describeError(e)}`, 'bad-request'),
      deadlineMs,
    });
  }

  /** The stuck statements answer now. */
  release(): void {
    for (const f of this.stuckOnes.splice(0)) f();
  }

  protected exec(ctx: OpContext, b: Built): Promise<Row[]> {
    this.sent.push(b);
    return new Promise((resolve, reject) => {
      if (this.stuck) {
        this.stuckOnes.push(() => resolve(answer(b)));
        return;
      }
      ctx.onAbort(() => {
        this.aborted++;
        reject(Object.assign(new Error('connection dropped'), { code: 'PROTOCOL_CONNECTION_LOST' }));
      });
      if (this.hang) return;
      setImmediate(() => {
        ctx.onAbort(undefined);
        resolve(answer(b));
      });
    });
  }

  protected rows(r: Row[]): Row[] {
    return r;
  }

  protected count(): number {
    return 0;
  }

  async close(): Promise<void> {
    this.guard.close();
    this.failWaiting(new DbError(`${this.url}: the database was closed`, 'unavailable'));
  }
}

/** What the fake database answers: a single lookup, or a union of them (two values per branch). */
function answer(b: Built): Row[] {
  const lookups: DbValue[][] = [];
  for (let i = 0; i < b.params.length; i += 2) lookups.push(b.params.slice(i, i + 2));
  const union = b.sql.includes('UNION ALL') || b.sql.includes(BATCH_INDEX);
  const out: Row[] = [];
  lookups.forEach(([user], i) => {
    const ha1 = USERS[String(user)];
    if (ha1 !== undefined) out.push(union ? { [BATCH_INDEX]: i, ha1 } : { ha1 });
  });
  return out;
}

const lookup = (db: FakeDb, user: string): Promise<Row[]> =>
  db.query('subscriber', { columns: ['ha1'], where: [{ col: 'username', value: user }, { col: 'domain', value: 'example.com' }], limit: 1 });

test('lookups beyond the pool wait, then go together as one statement; each gets its own rows', async () => {
  const db = new FakeDb(2);
  const users = ['alice', 'bob', 'nobody', 'carol', 'alice', 'zed', 'bob'];
  const results = await Promise.all(users.map((u) => lookup(db, u)));
  assert.deepEqual(results, users.map((u) => (USERS[u] ? [{ ha1: USERS[u] }] : [])));
  // two at once (the pool's size), the five that waited in one statement
  assert.equal(db.sent.length, 3);
  assert.ok(!db.sent[0]!.sql.includes('UNION') && !db.sent[1]!.sql.includes('UNION'));
  assert.equal(db.sent[2]!.sql.split(' UNION ALL ').length, 5);
  assert.deepEqual(db.sent[2]!.params, ['nobody', 'example.com', 'carol', 'example.com', 'alice', 'example.com', 'zed', 'example.com', 'bob', 'example.com']);
  assert.equal(db.stats.queries, 7);
  assert.equal(db.stats.errors, 0);
});

test('at most 25 lookups share a statement; different statements are not mixed', async () => {
  const db = new FakeDb(1);
  const many = Array.from({ length: 31 }, (_, i) => lookup(db, i % 2 ? 'alice' : 'bob'));
  const other = db.query('subscriber', { columns: ['ha1', 'password'], where: [{ col: 'username', value: 'carol' }, { col: 'domain', value: 'x' }] });
  const r = await Promise.all(many);
  assert.deepEqual(r[1], [{ ha1: 'ha-a' }]);
  assert.deepEqual(r[30], [{ ha1: 'ha-b' }]);
  assert.deepEqual(await other, [{ ha1: 'ha-c' }]);
  const sizes = db.sent.map((b) => b.sql.split(' UNION ALL ').length);
  // 1 at once; 25; then the texts take turns: the other statement, then the 5 left
  assert.deepEqual(sizes, [1, 25, 1, 5]);
  assert.ok(db.sent[2]!.sql.includes('`password`'));
});

test('ordered queries and queries without conditions are never batched', async () => {
  const db = new FakeDb(1);
  const qs = [
    lookup(db, 'alice'),
    db.query('subscriber', { columns: ['ha1'], where: [{ col: 'username', value: 'bob' }, { col: 'domain', value: 'd' }], orderBy: 'ha1' }),
    db.query('subscriber', { columns: ['ha1'], where: [{ col: 'username', value: 'bob' }, { col: 'domain', value: 'd' }], orderBy: 'ha1' }),
  ];
  await Promise.all(qs);
  assert.equal(db.sent.length, 3);
  assert.ok(db.sent.every((b) => !b.sql.includes('UNION')));
});

test('a lookup whose deadline passes while it waits leaves the queue and is never sent', async () => {
  const db = new FakeDb(1, 100);
  db.stuck = true;
  const blocker = assert.rejects(lookup(db, 'alice'), DbError);
  const queued = lookup(db, 'bob');
  await assert.rejects(queued, (e: unknown) => e instanceof DbError && /no answer within 100 ms/.test(e.message));
  await blocker;
  db.stuck = false;
  db.release();
  await sleep(10);
  assert.deepEqual(db.sent.map((b) => b.params[0]), ['alice']);
  // and the queue works on
  const late = Array.from({ length: 4 }, () => lookup(db, 'carol'));
  assert.deepEqual(await Promise.all(late), Array.from({ length: 4 }, () => [{ ha1: 'ha-c' }]));
  await db.close();
});

test('a batch whose statement hangs is dropped only when the last of its lookups gives up', async () => {
  const db = new FakeDb(1, 200);
  db.hang = true;
  const blocker = lookup(db, 'alice');
  await sleep(20);
  // these three wait, and go together when the blocker's deadline drops its statement
  const a = lookup(db, 'alice');
  await sleep(60);
  const bc = Promise.allSettled([lookup(db, 'bob'), lookup(db, 'carol')]);
  await assert.rejects(blocker, DbError);
  assert.equal(db.sent.length, 2);
  assert.equal(db.sent[1]!.sql.split(' UNION ALL ').length, 3);
  assert.equal(db.aborted, 1);
  await assert.rejects(a, DbError);
  // a gave up, b and c still wait for the answer: the statement runs on
  assert.equal(db.aborted, 1);
  await bc;
  assert.equal(db.aborted, 2);
  await db.close();
});

test('close() fails the lookups still waiting at once', async () => {
  const db = new FakeDb(1, 5000);
  db.hang = true;
  void lookup(db, 'alice').catch(() => undefined);
  const waiting = [lookup(db, 'bob'), lookup(db, 'carol')];
  await sleep(10);
  const t0 = Date.now();
  await db.close();
  for (const w of waiting) await assert.rejects(w, (e: unknown) => e instanceof DbError && /closed/.test(e.message));
  assert.ok(Date.now() - t0 < 1000);
});
