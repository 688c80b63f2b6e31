import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDb } from '../../db/open.js';
import { defaultCoreConfig } from '../../script/core-config.js';
import { ConfigErrors, loadConfig } from '../../script/load-config.js';
import { MODULES } from '../registry.js';
import group, { type GroupState } from './index.js';
import { sourceOf } from './source.js';
import { announceSkip, callFn, credentials, mariaDb, postgresDb, requestCtx, sqliteDb, testCore, type DbProvider, type RequestSpec, type TestDb } from './testing.js';

// is_user_in() over a real database: an SQLite file always; MariaDB (127.0.0.1:3306, root) and
// PostgreSQL (127.0.0.1:5432, postgres) when they answer, else SKIPPED loudly.

const ROWS = [
  { username: 'alice', domain: 'example.com', grp: 'ld' },
  { username: 'alice', domain: 'other.org', grp: 'int' },
  { username: 'bob', domain: 'example.com', grp: 'local' },
  { username: '+4930123', domain: 'example.com', grp: 'free-pstn' },
];

function suite(p: DbProvider): void {
  describe(`group is_user_in on ${p.name}`, () => {
    let tdb: TestDb | undefined;
    let skip = '';
    const states: GroupState[] = [];

    before(async () => {
      const r = await p.open();
      if (typeof r === 'string') {
        skip = r;
        announceSkip(`group module tests on ${p.name}`, r);
        return;
      }
      tdb = r;
      const db = await openDb(r.url);
      try {
        for (const row of ROWS) await db.insert('grp', row);
      } finally {
        await db.close();
      }
    });

    after(async () => {
      for (const st of states) await group.destroy!(st);
      await tdb?.drop();
    });

    /** A group state over the test database; undefined (the test SKIPPED) without one. */
    async function open(t: import('node:test').TestContext, useDomain: 0 | 1): Promise<{ st: GroupState; core: ReturnType<typeof testCore> } | undefined> {
      if (!tdb) {
        t.skip(skip);
        return undefined;
      }
      const tc = testCore();
      const params = { db_url: tdb.url, table: 'grp', user_column: 'username', domain_column: 'domain', group_column: 'grp', use_domain: useDomain };
      const st = await group.create(tc.core, params);
      states.push(st);
      return { st, core: tc };
    }

    const check = async (st: GroupState, core: ReturnType<typeof testCore>, spec: RequestSpec, source: string, grp: string): Promise<number> =>
      callFn(group, 'is_user_in', st, requestCtx(core.core, spec), [source, grp]);

    test('use_domain 0: every source, the domain not part of the query', async (t) => {
      const o = await open(t, 0);
      if (!o) return;
      const { st, core } = o;
      // Request-URI: the user of the current URI, whatever its host
      assert.equal(await check(st, core, { ruri: 'sip:alice@anywhere.net' }, 'Request-URI', 'ld'), 1);
      assert.equal(await check(st, core, { ruri: 'sip:alice@anywhere.net' }, 'request-uri', 'int'), 1);
      assert.equal(await check(st, core, { ruri: 'sip:alice@anywhere.net' }, 'Request-URI', 'local'), -1);
      assert.equal(await check(st, core, { ruri: 'sip:+4930123@gw.example.com;user=phone' }, 'Request-URI', 'free-pstn'), 1);
      // To and From: the header's URI
      assert.equal(await check(st, core, { to: 'sip:bob@x.org' }, 'To', 'local'), 1);
      assert.equal(await check(st, core, { to: 'sip:bob@x.org' }, 'TO', 'ld'), -1);
      assert.equal(await check(st, core, { from: 'sip:alice@x.org' }, 'From', 'int'), 1);
      assert.equal(await check(st, core, { from: 'sip:carol@example.com' }, 'From', 'ld'), -1);
      // Credentials: the user part of the digest username
      assert.equal(await check(st, core, { authorized: credentials('alice', 'example.com') }, 'Credentials', 'ld'), 1);
      assert.equal(await check(st, core, { authorized: credentials('alice@other.org', 'example.com') }, 'credentials', 'ld'), 1);
      assert.equal(await check(st, core, { authorized: credentials('bob', 'example.com') }, 'Credentials', 'int'), -1);
      // nothing authorized: false, and the script error is logged
      assert.equal(await check(st, core, {}, 'Credentials', 'ld'), -1);
      assert.ok(core.sink.lines.some((l) => /is_user_in\(Credentials\): no authorized credentials/.test(l)));
      // a URI without user part: false, no query
      assert.equal(await check(st, core, { ruri: 'sip:example.com' }, 'Request-URI', 'ld'), -1);
    });

    test('use_domain 1: the domain must match (without regard to case)', async (t) => {
      const o = await open(t, 1);
      if (!o) return;
      const { st, core } = o;
      assert.equal(await check(st, core, { ruri: 'sip:alice@example.com' }, 'Request-URI', 'ld'), 1);
      assert.equal(await check(st, core, { ruri: 'sip:alice@other.org' }, 'Request-URI', 'ld'), -1);
      assert.equal(await check(st, core, { ruri: 'sip:alice@OTHER.org' }, 'Request-URI', 'int'), 1);
      assert.equal(await check(st, core, { to: 'sip:bob@example.com' }, 'To', 'local'), 1);
      assert.equal(await check(st, core, { to: 'sip:bob@other.org' }, 'To', 'local'), -1);
      assert.equal(await check(st, core, { from: 'sip:alice@other.org' }, 'From', 'int'), 1);
      assert.equal(await check(st, core, { from: 'sip:alice@example.com' }, 'From', 'int'), -1);
      // credentials: the domain of the username, else the realm
      assert.equal(await check(st, core, { authorized: credentials('alice', 'example.com') }, 'Credentials', 'ld'), 1);
      assert.equal(await check(st, core, { authorized: credentials('alice', 'other.org') }, 'Credentials', 'ld'), -1);
      assert.equal(await check(st, core, { authorized: credentials('alice@other.org', 'example.com') }, 'Credentials', 'int'), 1);
      assert.equal(await check(st, core, { authorized: credentials('alice@other.org', 'example.com') }, 'Credentials', 'ld'), -1);
    });

    test('the Request-URI as the script rewrote it', async (t) => {
      const o = await open(t, 0);
      if (!o) return;
      const ctx = requestCtx(o.core.core, { ruri: 'sip:carol@example.com' });
      assert.equal(await callFn(group, 'is_user_in', o.st, ctx, ['Request-URI', 'local']), -1);
      ctx.newUri = 'sip:bob@example.com';
      assert.equal(await callFn(group, 'is_user_in', o.st, ctx, ['Request-URI', 'local']), 1);
    });
  });
}

suite(sqliteDb);
suite(mariaDb);
suite(postgresDb);

test('group: a database error is logged and the check is false (the promise never rejects)', async () => {
  const tdb = (await sqliteDb.open()) as TestDb;
  const tc = testCore();
  const st = await group.create(tc.core, { db_url: tdb.url, table: 'grp', user_column: 'username', domain_column: 'domain', group_column: 'grp', use_domain: 0 });
  await st.table.db.close();
  try {
    const r = callFn(group, 'is_user_in', st, requestCtx(tc.core, { ruri: 'sip:alice@example.com' }), ['Request-URI', 'ld']);
    assert.ok(r instanceof Promise);
    assert.equal(await r, -1);
    assert.ok(tc.sink.lines.some((l) => /ERROR: is_user_in: error while querying the database/.test(l)), tc.sink.lines.join(''));
  } finally {
    await tdb.drop();
  }
});

test('group: a column not in the table stops the start with its name', async () => {
  const tdb = (await sqliteDb.open()) as TestDb;
  try {
    await assert.rejects(
      Promise.resolve().then(() =>
        group.create(testCore().core, { db_url: tdb.url, table: 'grp', user_column: 'user', domain_column: 'domain', group_column: 'grp', use_domain: 0 }),
      ),
      /group: parameter user_column: table 'grp' has no column 'user'/,
    );
  } finally {
    await tdb.drop();
  }
});

test('is_user_in sources: names without case, anything else refused', () => {
  assert.equal(sourceOf('Request-URI'), 'request-uri');
  assert.equal(sourceOf('REQUEST-uri'), 'request-uri');
  assert.equal(sourceOf('credentials'), 'credentials');
  assert.equal(sourceOf('To'), 'to');
  assert.equal(sourceOf('from'), 'from');
  assert.equal(sourceOf('Contact'), undefined);
  assert.equal(sourceOf('uri'), undefined);
});

test('is_user_in: an unknown source is a configuration error at file:line:col with a hint', () => {
  const cfg = [
    'loadmodule "sl.so"',
    'loadmodule "group.so"',
    'modparam("group", "db_url", "sqlite::memory:")',
    'route{',
    '  if (is_user_in("Form", "ld")) { sl_send_reply("200", "ok"); };',
    '  if (is_user_in("credentials", "")) { break; };',
    '}',
  ].join('\n');
  let err: unknown;
  try {
    loadConfig(cfg, 'group.cfg', MODULES, defaultCoreConfig());
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigErrors, String(err));
  const text = err.format();
  assert.match(text, /group\.cfg:5:18: error: is_user_in: unknown source 'Form'/);
  assert.match(text, /hint: did you mean "From"\?/);
  assert.match(text, /group\.cfg:6:\d+: error: is_user_in: the group name is empty/);
});

test('is_user_in: the grp table name is checked with the configuration', () => {
  const cfg = 'loadmodule "group.so"\nmodparam("group", "table", "gpr")\nroute{ break; }\n';
  assert.throws(() => loadConfig(cfg, 'g.cfg', MODULES, defaultCoreConfig()), (e: unknown) => {
    assert.ok(e instanceof ConfigErrors);
    assert.match(e.format(), /g\.cfg:2:\d+: error: bad value for 'group' parameter 'table': the schema has no table 'gpr' \(did you mean 'grp'\?\)/);
    return true;
  });
});
