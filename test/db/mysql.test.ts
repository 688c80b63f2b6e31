// The MySQL/MariaDB adapter against a real server: the conformance suite in a database of its own
// (ser_test_<random>, dropped at the end), SER's sql:// URLs, UTC date-times whatever the machine's
// time zone, and ser-dbinit (database, schema, the accounts ser and serro). The server is the one
// of SER_TEST_MYSQL_URL (an administrator's URL; default mysql://root@127.0.0.1:3306/test); when
// none answers there, every test is reported SKIPPED with how to start one.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DbError, type Db } from '../../src/db/api.js';
import { createDatabase, dbinitMain, dropDatabase, type DbInitIo } from '../../src/db/db-init.js';
import { openMysql } from '../../src/db/mysql.js';
import { openDb } from '../../src/db/open.js';
import { TABLES } from '../../src/db/schema.js';
import { parseDbUrl, type MysqlUrl } from '../../src/db/url.js';
import { dbConformance } from './conformance.js';

const ADMIN = process.env['SER_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
const HOW = 'start MariaDB or MySQL on 127.0.0.1:3306 with a root account without password ' +
  '(apt-get install mariadb-server), or point SER_TEST_MYSQL_URL at an administrator, e.g. mysql://root:pw@host:3306/test';
const admin = parseDbUrl(ADMIN) as MysqlUrl;
const tag = randomBytes(4).toString('hex');
const DB = `ser_test_${tag}`;

/** The admin URL with another database, user or password. */
function urlFor(db: string, user = admin.user, password = admin.password, scheme = 'mysql'): string {
  const auth = user === undefined ? '' : encodeURIComponent(user) + (password !== undefined ? ':' + encodeURIComponent(password) : '') + '@';
  const host = admin.host.includes(':') ? `[${admin.host}]` : admin.host;
  return `${scheme}://${auth}${host}:${admin.port}/${db}`;
}

let made: Promise<boolean> | undefined;
let skipWhy = '';
/** Creates the test database once; false when no server answers. */
function ensureDb(): Promise<boolean> {
  made ??= createDatabase(urlFor(DB), { accounts: false }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof DbError && err.code === 'unavailable') {
        skipWhy = `MySQL/MariaDB is not reachable (${err.message}): NOT tested. To run these tests: ${HOW}`;
        process.stderr.write(`\n${'!'.repeat(78)}\n!!! SKIPPED: MySQL adapter tests\n!!! ${skipWhy}\n${'!'.repeat(78)}\n\n`);
        return false;
      }
      throw err;
    },
  );
  return made;
}

after(async () => {
  if (made && (await made.catch(() => false))) await dropDatabase(urlFor(DB));
});

dbConformance('MySQL/MariaDB', async () => {
  if (!(await ensureDb())) return undefined;
  return openMysql(parseDbUrl(urlFor(DB)) as MysqlUrl);
}, { server: `MySQL/MariaDB at ${admin.host}:${admin.port}`, howToStart: HOW });

/** A test that needs the server; SKIPPED (never passed) without one. */
function it(title: string, fn: (t: TestContext) => Promise<void>): void {
  test(`MySQL: ${title}`, async (t) => {
    if (!(await ensureDb())) {
      t.skip(skipWhy);
      return;
    }
    await fn(t);
  });
}

it("SER's sql:// URL opens this adapter through openDb, with the password hidden", async () => {
  const db = await openDb(urlFor(DB, admin.user, admin.password, 'sql'));
  try {
    assert.match(db.url, /^sql:\/\//);
    if (admin.password) assert.ok(!db.url.includes(admin.password));
    assert.equal(db.caps.raw, true);
    const rows = await db.raw('SELECT DATABASE() AS d');
    assert.equal(rows[0]!['d'], DB);
  } finally {
    await db.close();
  }
});

it("date-times are UTC whatever the machine's time zone (TZ=Pacific/Kiritimati, +14)", async () => {
  const oldTz = process.env['TZ'];
  process.env['TZ'] = 'Pacific/Kiritimati';
  const db = await openMysql(parseDbUrl(urlFor(DB)) as MysqlUrl);
  try {
    assert.equal(new Date(Date.UTC(2031, 0, 2)).getHours(), 14, 'the time zone change took effect');
    const when = new Date(Date.UTC(2031, 0, 2, 3, 4, 5));
    await db.insert('location', { username: 'tz', domain: 'tz.invalid', contact: 'sip:tz@192.0.2.1', expires: when });
    // as the server holds it: the UTC wall clock
    const [s] = await db.raw("SELECT DATE_FORMAT(expires, '%Y-%m-%d %H:%i:%s') AS e, UNIX_TIMESTAMP(last_modified) AS lm FROM location WHERE username = ?", ['tz']);
    assert.equal(s!['e'], '2031-01-02 03:04:05');
    const [r] = await db.query('location', { where: [{ col: 'username', value: 'tz' }] });
    assert.equal((r!['expires'] as Date).toISOString(), when.toISOString());
    // DEFAULT CURRENT_TIMESTAMP is now in UTC, and reads back as now
    assert.ok(Math.abs((r!['last_modified'] as Date).getTime() - Date.now()) < 120_000);
    assert.equal(await db.delete('location', [{ col: 'username', value: 'tz' }]), 1);
  } finally {
    if (oldTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = oldTz;
    await db.close();
  }
});

it('a statement the server refuses leaves the pool usable; errors say what and where', async () => {
  const db = await openMysql(parseDbUrl(urlFor(DB)) as MysqlUrl);
  try {
    await assert.rejects(db.raw('SELEKT 1'), (e: unknown) => e instanceof DbError && e.code === 'bad-request' && /raw query: .*syntax/i.test(e.message));
    await assert.rejects(db.raw('SELECT nope FROM location'), (e: unknown) => e instanceof DbError && e.code === 'bad-request');
    assert.deepEqual(await db.raw('SELECT 1 + ? AS n', [1]), [{ n: 2 }]);
    assert.equal(db.stats.connected, true);
    assert.equal(db.stats.reconnects, 0);
  } finally {
    await db.close();
  }
});

// --- ser-dbinit ---------------------------------------------------------------------------------

function captureIo(env: Record<string, string> = {}): DbInitIo & { text: () => string } {
  let buf = '';
  return {
    out: (t) => { buf += t; },
    err: (t) => { buf += t; },
    env,
    ask: undefined,
    text: () => buf,
  };
}

it('ser-dbinit create: the database, every table, ser may write and serro only read; twice is harmless; drop removes it', async () => {
  const db = `ser_test_${tag}_init`;
  const rw = `ser_rw_${tag}`;
  const ro = `ser_ro_${tag}`;
  const url = urlFor(db);
  const args = ['create', url, '--rw-user', rw, '--ro-user', ro];
  const env = { SER_RW_PW: `rw-${tag}'"\\`, SER_RO_PW: `ro-${tag}` };
  let dropped = false;
  try {
    const io = captureIo(env);
    assert.equal(await dbinitMain(args, io), 0, io.text());
    assert.match(io.text(), new RegExp(`database ${db}: created`));
    assert.match(io.text(), /tables: created version, subscriber/);
    assert.match(io.text(), new RegExp(`account ${rw} .*created; may select, insert, update, delete on ${db}\\.\\*`));
    assert.ok(!io.text().includes(env.SER_RW_PW), 'the password is not printed');

    // ser (read-write): writes and reads
    const w = await openMysql(parseDbUrl(urlFor(db, rw, env.SER_RW_PW)) as MysqlUrl);
    try {
      await w.insert('subscriber', { username: 'alice', domain: 'example.org', password: 'secret' });
      assert.equal(await w.update('subscriber', [{ col: 'username', value: 'alice' }], { first_name: 'Alice' }), 1);
      const versions = await w.query('version');
      assert.equal(versions.length, TABLES.length - 1);
      assert.ok(versions.some((v) => v['table_name'] === 'location' && v['table_version'] === 3));
      // but cannot change the schema
      await assert.rejects(w.raw('DROP TABLE subscriber'), (e: unknown) => e instanceof DbError && e.code === 'bad-request' && /denied/i.test(e.message));
    } finally {
      await w.close();
    }
    // serro (read-only): reads; INSERT, UPDATE and DELETE are refused
    const r = await openMysql(parseDbUrl(urlFor(db, ro, env.SER_RO_PW)) as MysqlUrl);
    try {
      assert.deepEqual(await r.query('subscriber', { columns: ['username', 'first_name'] }), [{ username: 'alice', first_name: 'Alice' }]);
      await assert.rejects(r.insert('subscriber', { username: 'mallory', domain: 'example.org' }),
        (e: unknown) => e instanceof DbError && e.code === 'bad-request' && /INSERT command denied/i.test(e.message));
      await assert.rejects(r.update('subscriber', [{ col: 'username', value: 'alice' }], { password: 'x' }), (e: unknown) => e instanceof DbError && /denied/i.test(e.message));
      await assert.rejects(r.delete('subscriber'), (e: unknown) => e instanceof DbError && /denied/i.test(e.message));
    } finally {
      await r.close();
    }

    // again: nothing breaks, nothing is lost
    const io2 = captureIo(env);
    assert.equal(await dbinitMain(args, io2), 0, io2.text());
    assert.match(io2.text(), new RegExp(`database ${db}: already there`));
    assert.match(io2.text(), /tables: all \d+ already there/);
    assert.match(io2.text(), /already there, password set/);
    const w2 = await openMysql(parseDbUrl(urlFor(db, rw, env.SER_RW_PW)) as MysqlUrl);
    try {
      assert.equal((await w2.query('subscriber')).length, 1);
    } finally {
      await w2.close();
    }

    // drop asks; without a terminal, --yes is needed
    const io3 = captureIo();
    assert.equal(await dbinitMain(['drop', url], io3), 1);
    assert.match(io3.text(), /refusing to drop .* without --yes/);
    const io4 = captureIo();
    assert.equal(await dbinitMain(['drop', url, '--yes', '--drop-accounts', '--rw-user', rw, '--ro-user', ro], io4), 0, io4.text());
    dropped = true;
    assert.match(io4.text(), new RegExp(`database ${db}: dropped`));
    await assert.rejects(openMysql(parseDbUrl(urlFor(db)) as MysqlUrl), (e: unknown) => e instanceof DbError && /does not exist/.test(e.message));
    await assert.rejects(openMysql(parseDbUrl(urlFor(DB, rw, env.SER_RW_PW)) as MysqlUrl),
      (e: unknown) => e instanceof DbError && e.code === 'bad-request' && /check the user name and password/.test(e.message));
  } finally {
    if (!dropped) await dropDatabase(url, { accounts: [rw, ro] }).catch(() => undefined);
  }
});

it('ser-dbinit create without passwords and without a terminal says how to give them', async () => {
  const io = captureIo();
  assert.equal(await dbinitMain(['create', urlFor(`ser_test_${tag}_nopw`)], io), 1);
  assert.match(io.text(), /no password for the account 'ser': give it with --rw-password or SER_RW_PW, or run ser-dbinit on a terminal/);
});
