// Losing the database server under a running adapter (MySQL/MariaDB and PostgreSQL), for real:
//
// - the server kills every connection of the pool (KILL <id> / pg_terminate_backend): the next
//   operations either succeed on a fresh connection or fail at once with DbError 'unavailable';
//   the reconnect is counted, logged once, and everything works afterwards;
// - the server goes away (a TCP relay between adapter and server is cut, then restored on the
//   same port): operations fail fast with 'unavailable' and one log line, not one per query;
//   the adapter reconnects by itself with back-off and counts it;
// - the server stops answering (the relay holds every byte): an operation gives up at its
//   deadline, the adapter declares the server unavailable and later ones fail at once, until
//   it answers again;
// - an adapter pointed at a closed port fails at once with a message saying what to check.
//
// The servers are those of SER_TEST_MYSQL_URL and SER_TEST_PG_URL (administrators' URLs, as in
// mysql.test.ts and postgres.test.ts); tests of a server that does not answer are SKIPPED.

import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { DbError, type Db } from '../../src/db/api.js';
import { createDatabase, dropDatabase } from '../../src/db/db-init.js';
import { openMysql } from '../../src/db/mysql.js';
import { openPostgres } from '../../src/db/postgres.js';
import { parseDbUrl, type MysqlUrl, type PostgresUrl } from '../../src/db/url.js';
import type { ServerDbOptions } from '../../src/db/reconnect.js';

const tag = randomBytes(4).toString('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// --- a TCP relay that can be cut, restored and frozen ----------------------------------------------

class Relay {
  private server: net.Server | undefined;
  private readonly pairs = new Set<{ a: net.Socket; b: net.Socket; held: { to: net.Socket; data: Buffer }[] }>();
  private frozen = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens (again, on the same port once it has one). */
  async open(): Promise<void> {
    const server = net.createServer((a) => this.accept(a));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  private accept(a: net.Socket): void {
    const b = net.connect(this.target.port, this.target.host);
    const pair = { a, b, held: [] as { to: net.Socket; data: Buffer }[] };
    this.pairs.add(pair);
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (data: Buffer) => {
        if (this.frozen) pair.held.push({ to, data });
        else to.write(data);
      });
    };
    relay(a, b);
    relay(b, a);
    const end = (): void => {
      a.destroy();
      b.destroy();
      this.pairs.delete(pair);
    };
    a.on('close', end).on('error', end);
    b.on('close', end).on('error', end);
  }

  /** The server is gone: every connection reset, nothing listening (ECONNREFUSED). */
  async cut(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const p of this.pairs) {
      p.a.resetAndDestroy();
      p.b.destroy();
    }
    this.pairs.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The server stops answering: connections are accepted, bytes are held. */
  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const p of this.pairs) {
      for (const h of p.held) if (!h.to.destroyed) h.to.write(h.data);
      p.held = [];
    }
  }

  async close(): Promise<void> {
    this.thaw();
    await this.cut();
  }
}

// --- the two servers ----------------------------------------------------------------------------

interface Server {
  readonly name: string;
  readonly admin: MysqlUrl | PostgresUrl;
  /** the fresh database of this run */
  readonly db: string;
  open(url: string, o: ServerDbOptions): Promise<Db>;
  /** kills every connection to the test database but the administrator's; their number */
  killAll(): Promise<number>;
  /** a statement that takes `secs` seconds on the server */
  slow(secs: number): string;
}

function urlFor(admin: MysqlUrl | PostgresUrl, db: string, port = admin.port, host = admin.host): string {
  const auth = admin.user === undefined ? '' : encodeURIComponent(admin.user) + (admin.password !== undefined ? ':' + encodeURIComponent(admin.password) : '') + '@';
  const h = host.includes(':') ? `[${host}]` : host;
  return `${admin.kind}://${auth}${h}:${port}/${db}`;
}

const mysqlAdmin = parseDbUrl(process.env['SER_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test') as MysqlUrl;
const pgAdmin = parseDbUrl(process.env['SER_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test') as PostgresUrl;

const MYSQL: Server = {
  name: 'MySQL/MariaDB',
  admin: mysqlAdmin,
  db: `ser_test_${tag}_outage`,
  open: async (url, o) => openMysql(parseDbUrl(url) as MysqlUrl, o),
  async killAll() {
    const mysql = (await import('mysql2/promise')).default;
    const c = await mysql.createConnection({
      host: mysqlAdmin.host, port: mysqlAdmin.port, user: mysqlAdmin.user, password: mysqlAdmin.password,
    });
    try {
      const [rows] = await c.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()', [this.db]);
      const ids = (rows as { id: number }[]).map((r) => r.id);
      for (const id of ids) await c.query(`KILL ${Number(id)}`).catch(() => undefined);
      return ids.length;
    } finally {
      await c.end();
    }
  },
  slow: (secs) => `SELECT SLEEP(${secs}) AS s`,
};

const POSTGRES: Server = {
  name: 'PostgreSQL',
  admin: pgAdmin,
  db: `ser_test_${tag}_outage`,
  open: async (url, o) => openPostgres(parseDbUrl(url) as PostgresUrl, o),
  async killAll() {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ host: pgAdmin.host, port: pgAdmin.port, user: pgAdmin.user, password: pgAdmin.password, database: 'postgres' });
    await c.connect();
    try {
      const r = await c.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [this.db]);
      return r.rows.length;
    } finally {
      await c.end();
    }
  },
  slow: (secs) => `SELECT pg_sleep(${secs})::text AS s`,
};

/** Outcome of one operation: 'ok', or the DbError code; and how long it took. */
async function attempt(p: Promise<unknown>): Promise<{ outcome: string; ms: number; message: string }> {
  const t0 = Date.now();
  try {
    await p;
    return { outcome: 'ok', ms: Date.now() - t0, message: '' };
  } catch (e) {
    assert.ok(e instanceof DbError, `expected a DbError, got ${String(e)}`);
    return { outcome: e.code, ms: Date.now() - t0, message: e.message };
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

for (const S of [MYSQL, POSTGRES]) {
  describe(`outage: ${S.name}`, () => {
    let ready: Promise<string> | undefined;
    /** '' when the test database is there, else why the tests are skipped */
    const setUp = (): Promise<string> => {
      ready ??= createDatabase(urlFor(S.admin, S.db), { accounts: false }).then(
        () => '',
        (e: unknown) => {
          if (!(e instanceof DbError && e.code === 'unavailable')) throw e;
          const why = `${S.name} is not reachable (${e.message}): connection-loss handling NOT tested against it`;
          process.stderr.write(`\n${'!'.repeat(78)}\n!!! SKIPPED: outage tests for ${S.name}\n!!! ${why}\n${'!'.repeat(78)}\n\n`);
          return why;
        },
      );
      return ready;
    };
    after(async () => {
      if (ready && (await ready.catch(() => 'x')) === '') await dropDatabase(urlFor(S.admin, S.db));
    });

    const it = (title: string, fn: (t: TestContext) => Promise<void>): void => {
      test(title, async (t) => {
        const why = await setUp();
        if (why) {
          t.skip(why);
          return;
        }
        await fn(t);
      });
    };

    it('the server kills every connection of the pool: operations succeed on fresh ones or fail fast; the reconnect is counted and logged once', async () => {
      const logs: string[] = [];
      const DEADLINE = 1500;
      const db = await S.open(urlFor(S.admin, S.db), { log: (m) => logs.push(m), deadlineMs: DEADLINE, poolSize: 4 });
      try {
        // four connections in the pool, all busy at once
        await Promise.all([0, 1, 2, 3].map(() => db.raw(S.slow(0.05))));
        await db.insert('location', { username: 'kill', domain: 'outage.invalid', contact: 'sip:kill@192.0.2.1' });
        const killed = await S.killAll();
        assert.ok(killed >= 1, `no connection of the pool found to kill (${killed})`);
        // at once, before the adapter may have noticed: each operation succeeds or fails fast
        const outcomes: string[] = [];
        for (let i = 0; i < 8; i++) {
          const r = await attempt(db.query('location', { where: [{ col: 'username', value: 'kill' }] }));
          assert.ok(r.outcome === 'ok' || r.outcome === 'unavailable', `unexpected ${r.outcome}: ${r.message}`);
          assert.ok(r.ms < DEADLINE + 500, `an operation took ${r.ms} ms`);
          outcomes.push(r.outcome);
        }
        await waitFor(() => db.stats.reconnects >= 1 && db.stats.connected, 5000, 'the reconnect');
        assert.equal(db.stats.connected, true);
        // everything works again, writes included
        assert.equal((await db.query('location', { where: [{ col: 'username', value: 'kill' }] })).length, 1);
        assert.equal(await db.update('location', [{ col: 'username', value: 'kill' }], { flags: 2 }), 1);
        assert.equal(await db.delete('location', [{ col: 'username', value: 'kill' }]), 1);
        // one outage, logged once (not once per connection or per query)
        const lost = logs.filter((l) => /lost/.test(l));
        assert.equal(lost.length, 1, `expected one log line for the loss, got:\n${logs.join('\n')}`);
        assert.match(lost[0]!, /db: (connection to|lost connection to) .*(connected again|reconnecting)/);
        assert.ok(!lost[0]!.includes(S.admin.password ?? '\0'), 'no password in the log');
        assert.equal(db.stats.reconnects, 1, `reconnects ${db.stats.reconnects}; outcomes ${outcomes.join(',')}; log:\n${logs.join('\n')}`);
      } finally {
        await db.close();
      }
    });

    it('the server goes away and comes back: fail fast with unavailable, one log line, background reconnect with back-off', async () => {
      const relay = new Relay({ host: S.admin.host, port: S.admin.port });
      await relay.open();
      const logs: string[] = [];
      const DEADLINE = 1500;
      const db = await S.open(urlFor(S.admin, S.db, relay.port, '127.0.0.1'), {
        log: (m) => logs.push(m), deadlineMs: DEADLINE, backoffMinMs: 50, backoffMaxMs: 400,
      });
      try {
        await db.insert('location', { username: 'away', domain: 'outage.invalid', contact: 'sip:away@192.0.2.2' });
        await relay.cut();
        // the first operation finds out (or the pool's closed connections told already)
        const first = await attempt(db.query('location', { where: [{ col: 'username', value: 'away' }] }));
        assert.equal(first.outcome, 'unavailable', first.message);
        assert.ok(first.ms < DEADLINE, `the first failure took ${first.ms} ms`);
        await waitFor(() => !db.stats.connected, 2000, 'stats.connected to turn false');
        // while it is away: every operation fails at once, whatever it is
        const ops: (() => Promise<unknown>)[] = [
          () => db.query('location'),
          () => db.insert('location', { username: 'away2', domain: 'outage.invalid', contact: 'c' }),
          () => db.update('location', [{ col: 'username', value: 'away' }], { flags: 1 }),
          () => db.delete('location', [{ col: 'username', value: 'away' }]),
          () => db.replace('domain', { domain: 'outage.invalid' }, ['domain']),
          () => db.raw('SELECT 1'),
        ];
        const errors0 = db.stats.errors;
        for (let round = 0; round < 5; round++) {
          for (const op of ops) {
            const r = await attempt(op());
            assert.equal(r.outcome, 'unavailable', r.message);
            assert.ok(r.ms < 250, `an operation during the outage took ${r.ms} ms (should fail at once)`);
            assert.match(r.message, /unavailable since|connection lost/);
          }
          await sleep(60);
        }
        assert.ok(db.stats.errors >= errors0 + 30, 'failed operations are counted as errors');
        assert.match(String(db.stats.lastError), /ECONNREFUSED|unavailable|lost|closed/);
        assert.equal(db.stats.reconnects, 0);
        // a bad request is still told apart from the outage
        await assert.rejects(db.query('no_such_table'), (e: unknown) => e instanceof DbError && e.code === 'bad-request');
        // the server is back: the adapter finds it by itself (back-off at most 400 ms here)
        await relay.open();
        await waitFor(() => db.stats.connected, 3000, 'the automatic reconnect');
        assert.equal(db.stats.reconnects, 1);
        assert.equal((await db.query('location', { where: [{ col: 'username', value: 'away' }] })).length, 1);
        assert.equal(await db.delete('location', [{ col: 'username', value: 'away' }]), 1);
        const lost = logs.filter((l) => /lost/.test(l));
        const back = logs.filter((l) => /is back after|connected again/.test(l));
        assert.equal(lost.length, 1, `one line for the loss; log:\n${logs.join('\n')}`);
        assert.match(lost[0]!, /^ERROR: db: lost connection to .*127\.0\.0\.1:\d+.*reconnecting in the background/);
        assert.equal(back.length, 1, `one line for the return; log:\n${logs.join('\n')}`);
        assert.match(back[0]!, /is back after [\d.]+ s \(\d+ attempts\)/);
      } finally {
        await db.close();
        await relay.close();
      }
    });

    it('the server stops answering: an operation gives up at its deadline, later ones fail at once until it answers again', async () => {
      const relay = new Relay({ host: S.admin.host, port: S.admin.port });
      await relay.open();
      const logs: string[] = [];
      const DEADLINE = 600;
      const db = await S.open(urlFor(S.admin, S.db, relay.port, '127.0.0.1'), {
        log: (m) => logs.push(m), deadlineMs: DEADLINE, backoffMinMs: 50, backoffMaxMs: 200,
      });
      try {
        assert.deepEqual((await db.query('domain', { limit: 1 })).length, 0);
        relay.freeze();
        const r = await attempt(db.query('location', { limit: 1 }));
        assert.equal(r.outcome, 'unavailable', r.message);
        assert.match(r.message, /no answer within 600 ms/);
        assert.ok(r.ms >= DEADLINE - 50 && r.ms < DEADLINE + 1000, `gave up after ${r.ms} ms, deadline ${DEADLINE}`);
        // the check that followed found no answer either: the server is declared unavailable
        await waitFor(() => !db.stats.connected, DEADLINE * 3, 'the server to be declared unavailable');
        const fast = await attempt(db.insert('location', { username: 'frozen', domain: 'outage.invalid', contact: 'c' }));
        assert.equal(fast.outcome, 'unavailable');
        assert.ok(fast.ms < 250, `took ${fast.ms} ms while the server was known to be away`);
        relay.thaw();
        await waitFor(() => db.stats.connected, 5000, 'the reconnect after the server answers again');
        assert.equal(db.stats.reconnects, 1);
        assert.deepEqual(await db.raw(S.slow(0)), [{ s: S === MYSQL ? 0 : '' }]);
        assert.equal(logs.filter((l) => /lost/.test(l)).length, 1, logs.join('\n'));
      } finally {
        await db.close();
        await relay.close();
      }
    });

    it('idle connections closed by the pool itself are not an outage', async () => {
      const logs: string[] = [];
      const db = await S.open(urlFor(S.admin, S.db), { log: (m) => logs.push(m), poolSize: 4, idleTimeoutMs: 200 });
      try {
        await Promise.all([0, 1, 2, 3].map(() => db.raw(S.slow(0.05))));
        await sleep(2500); // mysql2 looks for idle connections once a second
        assert.deepEqual(logs, []);
        assert.equal(db.stats.reconnects, 0);
        assert.equal(db.stats.connected, true);
        assert.equal((await db.query('location', { limit: 1 })).length, 0);
      } finally {
        await db.close();
      }
    });

    it('a slow statement past the deadline is abandoned without declaring an outage', async () => {
      const logs: string[] = [];
      const db = await S.open(urlFor(S.admin, S.db), { log: (m) => logs.push(m), deadlineMs: 400, poolSize: 1 });
      try {
        const r = await attempt(db.raw(S.slow(3)));
        assert.equal(r.outcome, 'unavailable');
        assert.ok(r.ms < 1400, `took ${r.ms} ms`);
        // the connection running it was dropped, the pool is free: the next ones run at once
        const t0 = Date.now();
        await Promise.all([db.query('location', { limit: 1 }), db.query('location', { limit: 1 })]);
        assert.ok(Date.now() - t0 < 1000, 'the pool is not held by the abandoned statement');
        await sleep(100);
        assert.equal(db.stats.connected, true);
        assert.equal(db.stats.reconnects, 0);
        assert.deepEqual(logs, [], 'a slow statement is not an outage');
      } finally {
        await db.close();
      }
    });
  });
}

describe('outage: no server at all', () => {
  for (const [name, url, open] of [
    ['mysql', 'mysql://root@127.0.0.1:1/ser', (u: string) => openMysql(parseDbUrl(u) as MysqlUrl)],
    ['postgres', 'postgres://postgres@127.0.0.1:1/ser', (u: string) => openPostgres(parseDbUrl(u) as PostgresUrl)],
  ] as const) {
    test(`${name}: an adapter pointed at a closed port (127.0.0.1:1) fails fast with a clear message`, async () => {
      const t0 = Date.now();
      await assert.rejects(open(url), (e: unknown) => {
        assert.ok(e instanceof DbError);
        assert.equal(e.code, 'unavailable');
        assert.match(e.message, new RegExp(`^cannot connect to ${name} at 127\\.0\\.0\\.1:1 as (root|postgres): .*ECONNREFUSED.* — is the server running\\? check db_url`));
        return true;
      });
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    });
  }
});
