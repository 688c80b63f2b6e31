// The conformance suite every Db adapter passes (src/db/api.ts): register it from the adapter's
// test file with
//
//   dbConformance('SQLite', async () => openSqlite(...));
//   dbConformance('MySQL', async () => (await reachable()) ? openMysql(...) : undefined,
//                 { howToStart: 'docker run -e MYSQL_ROOT_PASSWORD=... -p 3306:3306 mysql:8; SER_TEST_MYSQL_URL=...' });
//
// It works on the real tables of the schema (location, subscriber, grp, silo, acc, active_sessions).
// Its rows use the domain 'conformance.invalid' and are deleted before and after; the one test of
// "delete without conditions" (on active_sessions) refuses to run when the table holds rows it did
// not write. Still: point it at a scratch database, never at a production one.
//
// When `open` resolves undefined (the server is not reachable), every test is reported SKIPPED
// with a message naming the server and how to start it, and a banner goes to stderr; never passed.

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DbError, type Db, type DbValue, type Row } from '../../src/db/api.js';

export interface ConformanceOptions {
  /** raw SQL is supported (default true); when false, raw() must reject with DbError 'unsupported' */
  readonly raw?: boolean;
  /** the server's name in the skip message (default: the suite's name) */
  readonly server?: string;
  /** how to start the server and point the test at it, shown when it is not reachable */
  readonly howToStart?: string;
}

const D = 'conformance.invalid';
const CLEAN_TABLES = ['location', 'subscriber', 'grp', 'silo', 'acc'] as const;

async function cleanup(db: Db): Promise<void> {
  for (const t of CLEAN_TABLES) await db.delete(t, [{ col: 'domain', value: D }]);
  await db.delete('domain', [{ col: 'domain', value: D }]);
  await db.delete('active_sessions', [{ col: 'name', value: D }]);
}

/** Rejects with a DbError of that code. */
async function rejectsWith(p: Promise<unknown>, code: DbError['code'], what: string): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DbError, `${what}: expected a DbError, got ${String(e)}`);
    assert.equal(e.code, code, `${what}: expected code '${code}', got '${e.code}' (${e.message})`);
    return e;
  }
  assert.fail(`${what}: expected a rejection with DbError '${code}', but it succeeded`);
}

/** A Date cut to the second (what every adapter keeps). */
const sec = (d: Date): number => Math.floor(d.getTime() / 1000) * 1000;

function assertDate(v: DbValue | undefined, expected: Date, what: string): void {
  assert.ok(v instanceof Date, `${what}: expected a Date, got ${JSON.stringify(v)} (${typeof v})`);
  assert.equal(v.getTime(), sec(expected), `${what}: ${v.toISOString()} != ${new Date(sec(expected)).toISOString()}`);
}

function loc(username: string, contact: string, extra: Row = {}): Row {
  return { username, domain: D, contact, ...extra };
}

export function dbConformance(name: string, open: () => Promise<Db | undefined>, opts: ConformanceOptions = {}): void {
  const rawSupported = opts.raw !== false;
  describe(`Db conformance: ${name}`, () => {
    let db: Db | undefined;
    let closed = false;
    let skipMessage = '';

    before(async () => {
      db = await open();
      if (!db) {
        const server = opts.server ?? name;
        skipMessage = `${server} is not reachable: the ${name} adapter was NOT tested.` +
          (opts.howToStart ? ` To run these tests: ${opts.howToStart}` : ` Start a ${server} server to run these tests.`);
        const bar = '!'.repeat(78);
        process.stderr.write(`\n${bar}\n!!! SKIPPED: Db conformance for ${name}\n!!! ${skipMessage}\n${bar}\n\n`);
        return;
      }
      await cleanup(db);
    });

    after(async () => {
      if (db && !closed) {
        try { await cleanup(db); } finally { await db.close(); }
      }
    });

    /** A test that needs the database; SKIPPED (never passed) when there is none. */
    const it = (title: string, fn: (db: Db, t: TestContext) => Promise<void>): void => {
      test(title, async (t) => {
        if (!db) {
          t.skip(skipMessage);
          return;
        }
        await fn(db, t);
      });
    };

    it('capabilities and URL', async (db) => {
      assert.equal(db.caps.query, true);
      assert.equal(db.caps.insert, true);
      assert.equal(db.caps.update, true);
      assert.equal(db.caps.delete, true);
      assert.equal(db.caps.replace, true);
      assert.equal(db.caps.raw, rawSupported);
      assert.equal(typeof db.url, 'string');
      assert.equal(db.stats.connected, true);
    });

    it('insert and query: every column type round-trips (int, double, string, datetime, NULL)', async (db) => {
      const expires = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 400));
      const modified = new Date(Date.UTC(2024, 6, 8, 9, 10, 11));
      await db.insert('location', loc('types', 'sip:types@192.0.2.1:5060', {
        received: null, expires, q: 0.5, callid: 'c1@host', cseq: 2147483647, last_modified: modified,
        flags: 3, user_agent: 'UA/1.0', socket: 'udp:192.0.2.10:5060',
      }));
      const rows = await db.query('location', { where: [{ col: 'username', value: 'types' }, { col: 'domain', value: D }] });
      assert.equal(rows.length, 1);
      const r = rows[0]!;
      assert.equal(r['username'], 'types');
      assert.equal(r['domain'], D);
      assert.equal(r['contact'], 'sip:types@192.0.2.1:5060');
      assert.equal(r['received'], null);
      assertDate(r['expires'], expires, 'expires');
      assert.equal(r['q'], 0.5);
      assert.equal(r['callid'], 'c1@host');
      assert.equal(r['cseq'], 2147483647);
      assertDate(r['last_modified'], modified, 'last_modified');
      assert.equal(r['flags'], 3);
      assert.equal(r['user_agent'], 'UA/1.0');
      assert.equal(r['socket'], 'udp:192.0.2.10:5060');
      // every column of the table comes back when none are asked for
      for (const c of ['replicate', 'state']) assert.ok(c in r, `column ${c} missing`);
      assert.equal(r['replicate'], null);
    });

    it('insert fills in defaults; last_modified defaults to now (UTC)', async (db) => {
      const before = Date.now();
      await db.insert('location', loc('defaults', 'sip:defaults@192.0.2.2'));
      const [r] = await db.query('location', { where: [{ col: 'username', value: 'defaults' }, { col: 'domain', value: D }] });
      assert.ok(r);
      assert.equal(r['flags'], 0);
      assert.equal(r['user_agent'], '');
      assert.equal(r['expires'], null);
      assert.equal(r['q'], null);
      const lm = r['last_modified'];
      assert.ok(lm instanceof Date, `last_modified: expected a Date, got ${JSON.stringify(lm)}`);
      assert.ok(Math.abs(lm.getTime() - before) < 120_000, `last_modified ${lm.toISOString()} is not now (${new Date(before).toISOString()}): time zone?`);
    });

    it('query with each operator, ANDed conditions, datetime and string comparisons', async (db) => {
      const base = Date.UTC(2030, 0, 1, 0, 0, 0);
      for (let i = 1; i <= 5; i++) {
        await db.insert('location', loc('ops', `sip:ops${i}@192.0.2.3`, { cseq: i, q: i / 10, expires: new Date(base + i * 3600_000) }));
      }
      const user = [{ col: 'username', value: 'ops' }, { col: 'domain', value: D }] as const;
      const count = async (op: '=' | '!=' | '<' | '>' | '<=' | '>=', value: DbValue, col = 'cseq'): Promise<number> =>
        (await db.query('location', { where: [...user, { col, op, value }] })).length;
      assert.equal(await count('=', 3), 1);
      assert.equal(await count('!=', 3), 4);
      assert.equal(await count('<', 3), 2);
      assert.equal(await count('>', 3), 2);
      assert.equal(await count('<=', 3), 3);
      assert.equal(await count('>=', 3), 3);
      assert.equal(await count('>', 0.25, 'q'), 3);
      assert.equal(await count('>=', new Date(base + 4 * 3600_000), 'expires'), 2);
      assert.equal(await count('<', new Date(base + 2 * 3600_000 + 1000), 'expires'), 2);
      assert.equal(await count('=', 'sip:ops2@192.0.2.3', 'contact'), 1);
      assert.equal(await count('>', 'sip:ops3@', 'contact'), 3);
      // the default operator is '='
      const rows = await db.query('location', { where: [...user, { col: 'cseq', value: 5 }] });
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!['contact'], 'sip:ops5@192.0.2.3');
      // no match
      assert.deepEqual(await db.query('location', { where: [...user, { col: 'cseq', value: 99 }] }), []);
    });

    it('chosen columns, ORDER BY ascending and descending, LIMIT', async (db) => {
      for (const i of [3, 1, 4, 2]) await db.insert('location', loc('order', `sip:order${i}@192.0.2.4`, { cseq: i }));
      const where = [{ col: 'username', value: 'order' }, { col: 'domain', value: D }];
      const asc = await db.query('location', { columns: ['contact', 'cseq'], where, orderBy: 'cseq' });
      assert.deepEqual(asc, [1, 2, 3, 4].map((i) => ({ contact: `sip:order${i}@192.0.2.4`, cseq: i })));
      const desc = await db.query('location', { columns: ['cseq'], where, orderBy: 'cseq', desc: true, limit: 2 });
      assert.deepEqual(desc, [{ cseq: 4 }, { cseq: 3 }]);
      assert.deepEqual(await db.query('location', { where, limit: 0 }), []);
      const one = await db.query('location', { columns: ['contact'], where, orderBy: 'contact', limit: 1 });
      assert.deepEqual(one, [{ contact: 'sip:order1@192.0.2.4' }]);
    });

    it('update returns the number of rows changed', async (db) => {
      for (let i = 1; i <= 4; i++) await db.insert('location', loc('upd', `sip:upd${i}@192.0.2.5`, { cseq: i, flags: 0 }));
      const user = [{ col: 'username', value: 'upd' }, { col: 'domain', value: D }];
      assert.equal(await db.update('location', [...user, { col: 'cseq', op: '>=', value: 3 }], { flags: 7, user_agent: 'changed' }), 2);
      const rows = await db.query('location', { columns: ['cseq', 'flags', 'user_agent'], where: user, orderBy: 'cseq' });
      assert.deepEqual(rows.map((r) => [r['cseq'], r['flags'], r['user_agent']]), [[1, 0, ''], [2, 0, ''], [3, 7, 'changed'], [4, 7, 'changed']]);
      assert.equal(await db.update('location', [...user, { col: 'cseq', value: 42 }], { flags: 1 }), 0);
      // setting NULL and a date
      const when = new Date(Date.UTC(2029, 11, 31, 23, 59, 59));
      assert.equal(await db.update('location', [...user, { col: 'cseq', value: 1 }], { callid: null, expires: when }), 1);
      const [r] = await db.query('location', { where: [...user, { col: 'cseq', value: 1 }] });
      assert.equal(r!['callid'], null);
      assertDate(r!['expires'], when, 'expires after update');
    });

    it('delete returns the number of rows deleted', async (db) => {
      for (let i = 1; i <= 5; i++) await db.insert('location', loc('del', `sip:del${i}@192.0.2.6`, { cseq: i }));
      const user = [{ col: 'username', value: 'del' }, { col: 'domain', value: D }];
      assert.equal(await db.delete('location', [...user, { col: 'cseq', op: '<', value: 3 }]), 2);
      assert.equal(await db.delete('location', [...user, { col: 'cseq', value: 99 }]), 0);
      assert.equal((await db.query('location', { where: user })).length, 3);
      assert.equal(await db.delete('location', user), 3);
      assert.equal((await db.query('location', { where: user })).length, 0);
    });

    it('delete without conditions removes every row', async (db, t) => {
      const foreign = (await db.query('active_sessions', { columns: ['name'] })).filter((r) => r['name'] !== D);
      if (foreign.length > 0) {
        t.skip(`active_sessions holds ${foreign.length} rows this suite did not write: not a scratch database`);
        return;
      }
      for (const sid of ['a', 'b', 'c']) await db.insert('active_sessions', { sid, name: D, val: `v${sid}`, changed: '20240101000000' });
      assert.equal(await db.delete('active_sessions'), 3);
      assert.deepEqual(await db.query('active_sessions'), []);
    });

    it('replace twice on a key: one row, the second values win', async (db) => {
      const t1 = new Date(Date.UTC(2024, 0, 1, 0, 0, 1));
      const t2 = new Date(Date.UTC(2024, 0, 2, 0, 0, 2));
      const key = ['username', 'domain', 'grp'];
      await db.replace('grp', { username: 'rep', domain: D, grp: 'int', last_modified: t1 }, key);
      await db.replace('grp', { username: 'rep', domain: D, grp: 'int', last_modified: t2 }, key);
      const rows = await db.query('grp', { where: [{ col: 'username', value: 'rep' }, { col: 'domain', value: D }] });
      assert.equal(rows.length, 1);
      assertDate(rows[0]!['last_modified'], t2, 'last_modified after the second replace');
      // another key value makes another row; the key columns may come in any order
      await db.replace('grp', { username: 'rep', domain: D, grp: 'ld', last_modified: t1 }, ['grp', 'domain', 'username']);
      assert.equal((await db.query('grp', { where: [{ col: 'username', value: 'rep' }, { col: 'domain', value: D }] })).length, 2);
      // location, as usrloc writes it: the contact's other columns are replaced
      const lkey = ['username', 'domain', 'contact'];
      await db.replace('location', loc('rep', 'sip:rep@192.0.2.7', { q: 0.1, cseq: 1, expires: t1 }), lkey);
      await db.replace('location', loc('rep', 'sip:rep@192.0.2.7', { q: 0.9, cseq: 2, expires: t2, received: 'sip:198.51.100.1:5070' }), lkey);
      const lrows = await db.query('location', { where: [{ col: 'username', value: 'rep' }, { col: 'domain', value: D }] });
      assert.equal(lrows.length, 1);
      assert.equal(lrows[0]!['q'], 0.9);
      assert.equal(lrows[0]!['cseq'], 2);
      assert.equal(lrows[0]!['received'], 'sip:198.51.100.1:5070');
      assertDate(lrows[0]!['expires'], t2, 'expires after replace');
      // a row of only the key: inserted once, then nothing changes
      await db.replace('domain', { domain: D }, ['domain']);
      await db.replace('domain', { domain: D }, ['domain']);
      assert.equal((await db.query('domain', { where: [{ col: 'domain', value: D }] })).length, 1);
    });

    it('replace on columns that are not a key of the table is refused', async (db) => {
      await rejectsWith(db.replace('grp', { username: 'x', domain: D, grp: 'g' }, ['username']), 'bad-request', 'replace on a partial key');
      await rejectsWith(db.replace('acc', { username: 'x', domain: D }, ['username', 'domain']), 'bad-request', 'replace into a table without a key');
      await rejectsWith(db.replace('grp', { username: 'x', domain: D }, ['username', 'domain', 'grp']), 'bad-request', 'replace without a value for a key column');
    });

    it('inserting a duplicate primary key fails with DbError constraint', async (db) => {
      const row = { username: 'dup', domain: D, grp: 'g', last_modified: new Date() };
      await db.insert('grp', row);
      await rejectsWith(db.insert('grp', row), 'constraint', 'duplicate insert');
      assert.equal((await db.query('grp', { where: [{ col: 'username', value: 'dup' }, { col: 'domain', value: D }] })).length, 1);
    });

    it('NULL: stored, read back, matched by = NULL and != NULL', async (db) => {
      await db.insert('location', loc('nul', 'sip:nul1@192.0.2.8', { received: null, callid: null, cseq: null, q: null, expires: null }));
      await db.insert('location', loc('nul', 'sip:nul2@192.0.2.8', { received: 'sip:203.0.113.5', callid: 'x', cseq: 1, q: 1, expires: new Date() }));
      const user = [{ col: 'username', value: 'nul' }, { col: 'domain', value: D }];
      const isNull = await db.query('location', { where: [...user, { col: 'received', value: null }] });
      assert.deepEqual(isNull.map((r) => r['contact']), ['sip:nul1@192.0.2.8']);
      for (const c of ['received', 'callid', 'cseq', 'q', 'expires']) assert.equal(isNull[0]![c], null, `${c} should be NULL`);
      const notNull = await db.query('location', { where: [...user, { col: 'received', op: '!=', value: null }] });
      assert.deepEqual(notNull.map((r) => r['contact']), ['sip:nul2@192.0.2.8']);
      await rejectsWith(db.query('location', { where: [...user, { col: 'cseq', op: '<', value: null }] }), 'bad-request', 'NULL with <');
      // an empty string in a NOT NULL column stays an empty string
      await db.insert('subscriber', { username: 'empty', domain: D, password: '' });
      const [s] = await db.query('subscriber', { columns: ['password', 'perms'], where: [{ col: 'username', value: 'empty' }, { col: 'domain', value: D }] });
      assert.deepEqual(s, { password: '', perms: null });
    });

    it("strings: quotes, backslashes, '; DROP TABLE subscriber; --, separators and UTF-8 round-trip and match", async (db) => {
      const nasty: Row[] = [
        { username: "x'; DROP TABLE subscriber; --", first_name: "O'Brien", last_name: 'back\\slash\\' },
        { username: 'quote"double`back', first_name: '\\\'', last_name: "''" },
        { username: 'colon:and\nnewline\r\ttab', first_name: 'a:b:c', last_name: '\\n is not a newline' },
        { username: 'jürgen.müller', first_name: 'Jürgen ✓', last_name: '日本語テキスト' },
        { username: 'emoji😀', first_name: '😀🎉', last_name: 'Ελληνικά' },
        { username: 'percent%_wild', first_name: '%', last_name: '_' },
        { username: '?question$1', first_name: '?', last_name: '$1' },
      ];
      const before = (await db.query('subscriber', { where: [{ col: 'domain', value: D }] })).length;
      for (const r of nasty) await db.insert('subscriber', { ...r, domain: D, email_address: `${String(r['username']).length}@x` });
      for (const r of nasty) {
        const rows = await db.query('subscriber', {
          columns: ['username', 'first_name', 'last_name'],
          where: [{ col: 'username', value: r['username']! }, { col: 'domain', value: D }],
        });
        assert.deepEqual(rows, [r], `round-trip of ${JSON.stringify(r['username'])}`);
        const byName = await db.query('subscriber', { columns: ['username'], where: [{ col: 'first_name', value: r['first_name']! }, { col: 'domain', value: D }] });
        assert.deepEqual(byName, [{ username: r['username'] }], `match on ${JSON.stringify(r['first_name'])}`);
      }
      // the table is still there, with every row
      assert.equal((await db.query('subscriber', { where: [{ col: 'domain', value: D }] })).length, before + nasty.length);
      // updates and deletes by such values
      assert.equal(await db.update('subscriber', [{ col: 'username', value: "x'; DROP TABLE subscriber; --" }, { col: 'domain', value: D }], { phone: "1'2\\3" }), 1);
      const [p] = await db.query('subscriber', { columns: ['phone'], where: [{ col: 'username', value: "x'; DROP TABLE subscriber; --" }, { col: 'domain', value: D }] });
      assert.equal(p!['phone'], "1'2\\3");
      assert.equal(await db.delete('subscriber', [{ col: 'username', value: 'emoji😀' }, { col: 'domain', value: D }]), 1);
    });

    it('many lookups at once: each gets its own rows (those beyond the pool share a statement)', async (db) => {
      const created = new Date(Date.UTC(2020, 1, 29, 12, 34, 56));
      const users: Row[] = [
        { username: 'many-a', first_name: 'A', last_name: 'one' },
        { username: "many'; DROP TABLE subscriber; --", first_name: "O'B", last_name: '\\' },
        { username: 'many-jürgen', first_name: 'Jürgen ✓', last_name: '日本語' },
        { username: 'many-?$1', first_name: '?', last_name: '$1' },
      ];
      for (const u of users) await db.insert('subscriber', { ...u, domain: D, password: 'pw', datetime_created: created });
      // 'MANY-A': whatever the server's collation makes of it (MySQL's default ignores case),
      // a lookup sent together with others must find what it finds alone
      const names = [...users.map((u) => String(u['username'])), 'many-nobody', 'MANY-A'];
      const lookup = (n: string): Promise<Row[]> => db.query('subscriber', {
        columns: ['username', 'first_name', 'last_name'],
        where: [{ col: 'username', value: n }, { col: 'domain', value: D }],
        limit: 1,
      });
      const alone = new Map<string, Row[]>();
      for (const n of names) alone.set(n, await lookup(n));
      for (const u of users) assert.deepEqual(alone.get(String(u['username'])), [u]);
      assert.deepEqual(alone.get('many-nobody'), []);
      // more at once than any pool has connections: beyond it they wait, and go together
      const asked = Array.from({ length: 90 }, (_, i) => names[(i * 7) % names.length]!);
      const [some, whole] = await Promise.all([
        Promise.all(asked.map(lookup)),
        Promise.all(asked.map((n) => db.query('subscriber', { where: [{ col: 'username', value: n }, { col: 'domain', value: D }] }))),
      ]);
      asked.forEach((n, i) => {
        const expected = alone.get(n)!;
        assert.deepEqual(some[i], expected, `lookup ${i} of ${JSON.stringify(n)}`);
        assert.equal(whole[i]!.length, expected.length, `whole row ${i} of ${JSON.stringify(n)}`);
        if (expected.length) {
          assert.equal(whole[i]![0]!['last_name'], expected[0]!['last_name']);
          assertDate(whole[i]![0]!['datetime_created'], created, `datetime_created of ${JSON.stringify(n)}`);
        }
      });
    });

    it('bad table and column names are refused with DbError bad-request (and counted)', async (db) => {
      const errors0 = db.stats.errors;
      const bad: [string, () => Promise<unknown>][] = [
        ['table with SQL', () => db.query('location; DROP TABLE subscriber')],
        ['table with a quote', () => db.query('location"')],
        ['unknown table', () => db.query('no_such_table')],
        ['empty table name', () => db.query('')],
        ['column with SQL', () => db.query('location', { columns: ['contact FROM location --'] })],
        ['unknown column', () => db.query('location', { columns: ['nope'] })],
        ['condition column', () => db.query('location', { where: [{ col: "username' OR '1'='1", value: 'x' }] })],
        ['bad operator', () => db.query('location', { where: [{ col: 'username', op: 'LIKE' as '=', value: 'x' }] })],
        ['order column', () => db.query('location', { orderBy: 'q DESC' })],
        ['negative limit', () => db.query('location', { limit: -1 })],
        ['fractional limit', () => db.query('location', { limit: 1.5 })],
        ['insert column', () => db.insert('location', { username: 'bad', domain: D, contact: 'c', 'q=1;--': 1 })],
        ['insert table', () => db.insert('location`', { username: 'bad' })],
        ['update column', () => db.update('location', [{ col: 'username', value: 'bad' }], { 'flags`': 1 })],
        ['update nothing', () => db.update('location', [{ col: 'username', value: 'bad' }], {})],
        ['delete condition', () => db.delete('location', [{ col: '1=1 OR username', value: 'x' }])],
        ['replace key', () => db.replace('location', loc('bad', 'c'), ['username', 'domain', 'contact;'])],
      ];
      for (const [what, f] of bad) await rejectsWith(f(), 'bad-request', what);
      assert.ok(db.stats.errors >= errors0 + bad.length, `stats.errors ${db.stats.errors} < ${errors0} + ${bad.length}`);
      assert.equal(typeof db.stats.lastError, 'string');
      assert.equal((await db.query('location', { where: [{ col: 'username', value: 'bad' }] })).length, 0);
    });

    it('autoincrement ids are assigned', async (db) => {
      await db.insert('silo', { src_addr: 'sip:a@x', dst_addr: 'sip:b@x', r_uri: 'sip:b@x', username: 'b', domain: D, inc_time: 1, exp_time: 2, body: 'one' });
      await db.insert('silo', { src_addr: 'sip:a@x', dst_addr: 'sip:b@x', r_uri: 'sip:b@x', username: 'b', domain: D, inc_time: 3, exp_time: 4, body: 'two\nlines' });
      const rows = await db.query('silo', { where: [{ col: 'domain', value: D }], orderBy: 'mid' });
      assert.equal(rows.length, 2);
      const [a, b] = [rows[0]!['mid'], rows[1]!['mid']];
      assert.equal(typeof a, 'number');
      assert.equal(typeof b, 'number');
      assert.ok((b as number) > (a as number));
      assert.equal(rows[0]!['ctype'], 'text/plain');
      assert.equal(rows[1]!['body'], 'two\nlines');
    });

    it('a table without a key takes duplicate rows (acc)', async (db) => {
      const row = { sip_method: 'INVITE', sip_status: '200', username: 'acc', domain: D, time: new Date(Date.UTC(2024, 1, 29, 12, 0, 0)) };
      await db.insert('acc', row);
      await db.insert('acc', row);
      const rows = await db.query('acc', { where: [{ col: 'domain', value: D }] });
      assert.equal(rows.length, 2);
      assertDate(rows[0]!['time'], row.time, 'acc.time');
      assert.equal(await db.delete('acc', [{ col: 'domain', value: D }, { col: 'sip_method', value: 'INVITE' }]), 2);
    });

    if (rawSupported) {
      it('raw SQL with ? parameters', async (db) => {
        for (let i = 1; i <= 3; i++) await db.insert('location', loc('raw', `sip:raw${i}@192.0.2.9?x='y'`, { cseq: i }));
        const rows = await db.raw(
          "SELECT contact, cseq, '?' AS lit FROM location WHERE username = ? AND domain = ? AND cseq > ? ORDER BY cseq",
          ['raw', D, 1]);
        assert.deepEqual(rows.map((r) => [r['contact'], Number(r['cseq']), r['lit']]), [
          ["sip:raw2@192.0.2.9?x='y'", 2, '?'], ["sip:raw3@192.0.2.9?x='y'", 3, '?']]);
        const none = await db.raw('SELECT contact FROM location WHERE username = ?', ["raw' OR '1'='1"]);
        assert.deepEqual(none, []);
        const changed = await db.raw('UPDATE location SET flags = ? WHERE username = ? AND domain = ?', [5, 'raw', D]);
        assert.ok(Array.isArray(changed));
        assert.equal((await db.query('location', { where: [{ col: 'username', value: 'raw' }, { col: 'flags', value: 5 }] })).length, 3);
        await assert.rejects(db.raw('SELECT * FROM no_such_table_at_all'), (e: unknown) => e instanceof DbError);
      });
    } else {
      it('raw SQL is refused with DbError unsupported', async (db) => {
        await rejectsWith(db.raw('SELECT 1'), 'unsupported', 'raw');
      });
    }

    it('stats count queries and errors', async (db) => {
      const q0 = db.stats.queries;
      await db.query('location', { where: [{ col: 'domain', value: D }], limit: 1 });
      await db.insert('location', loc('stats', 'sip:stats@192.0.2.10'));
      await db.update('location', [{ col: 'username', value: 'stats' }], { flags: 1 });
      await db.delete('location', [{ col: 'username', value: 'stats' }]);
      assert.ok(db.stats.queries >= q0 + 4, `stats.queries ${db.stats.queries} < ${q0} + 4`);
      const e0 = db.stats.errors;
      await rejectsWith(db.query('nope'), 'bad-request', 'unknown table');
      assert.ok(db.stats.errors >= e0 + 1);
      assert.match(String(db.stats.lastError), /nope/);
      assert.equal(db.stats.connected, true);
    });

    it('close: stats.connected turns false and later calls fail with DbError', async (db) => {
      await cleanup(db);
      await db.close();
      closed = true;
      assert.equal(db.stats.connected, false);
      await assert.rejects(db.query('location'), (e: unknown) => e instanceof DbError);
    });
  });
}
