import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../db/open.js';
import { announceSkip, callFn, mariaDb, postgresDb, requestCtx, sqliteDb, testCore, type TestDb } from '../group/testing.js';
import domain from './index.js';

// is_from_local, is_uri_host_local, reload and the myself hook over an SQLite file (and dbtext,
// which takes no SQL), in db_mode 0 and 1.

async function withDb(rows: string[], url?: string): Promise<TestDb> {
  const tdb = url ? { name: 'x', url, drop: async () => undefined } : ((await sqliteDb.open()) as TestDb);
  const db = await openDb(tdb.url);
  try {
    for (const d of rows) await db.insert('domain', { domain: d });
  } finally {
    await db.close();
  }
  return tdb;
}

async function start(tdb: TestDb, mode: 0 | 1) {
  const tc = testCore();
  const st = await domain.create(tc.core, { db_url: tdb.url, db_mode: mode, domain_table: 'domain', domain_col: 'domain' });
  const uriLocal = async (ruri: string) => callFn(domain, 'is_uri_host_local', st, requestCtx(tc.core, { ruri }));
  const fromLocal = async (from: string) => callFn(domain, 'is_from_local', st, requestCtx(tc.core, { from }));
  return { tc, st, uriLocal, fromLocal };
}

async function addRow(tdb: TestDb, d: string): Promise<void> {
  const db = await openDb(tdb.url);
  try {
    await db.insert('domain', { domain: d });
  } finally {
    await db.close();
  }
}

for (const mode of [0, 1] as const) {
  test(`domain db_mode ${mode}: is_uri_host_local and is_from_local, hosts without regard to case`, async () => {
    const tdb = await withDb(['example.com', 'Sub.Example.NET', '192.0.2.7']);
    const { st, uriLocal, fromLocal } = await start(tdb, mode);
    try {
      assert.equal(await uriLocal('sip:bob@example.com'), 1);
      assert.equal(await uriLocal('sip:bob@EXAMPLE.com:5070;transport=tcp'), 1, 'any port, any case');
      assert.equal(await uriLocal('sip:bob@sub.example.net'), 1);
      assert.equal(await uriLocal('sip:192.0.2.7'), 1);
      assert.equal(await uriLocal('sip:bob@example.org'), -1);
      assert.equal(await uriLocal('sip:bob@www.example.com'), -1, 'no suffix matching');
      assert.equal(await uriLocal('tel:+4930123'), -1, 'a tel: URI has no host');
      assert.equal(await fromLocal('sip:alice@Example.Com'), 1);
      assert.equal(await fromLocal('sip:alice@elsewhere.org'), -1);
      // the current Request-URI: after rewriting
      const ctx = requestCtx(testCore().core, { ruri: 'sip:bob@example.org' });
      ctx.newUri = 'sip:bob@example.com';
      assert.equal(await callFn(domain, 'is_uri_host_local', st, ctx), 1);
      if (mode === 1) assert.equal(typeof callFn(domain, 'is_from_local', st, requestCtx(testCore().core)), 'number', 'db_mode 1 answers synchronously');
      else assert.ok(callFn(domain, 'is_from_local', st, requestCtx(testCore().core)) instanceof Promise, 'db_mode 0 asks the database');
    } finally {
      await domain.destroy!(st);
      await tdb.drop();
    }
  });
}

test('domain db_mode 0: a row added to the table counts at once; reload is refused', async () => {
  const tdb = await withDb(['example.com']);
  const { st, uriLocal } = await start(tdb, 0);
  try {
    assert.equal(await uriLocal('sip:bob@new.example'), -1);
    await addRow(tdb, 'New.Example');
    assert.equal(await uriLocal('sip:bob@new.example'), 1);
    await assert.rejects(st.reload(), /db_mode 0 keeps no copy/);
  } finally {
    await domain.destroy!(st);
    await tdb.drop();
  }
});

test('domain db_mode 1: the table is read at start and again by reload()', async () => {
  const tdb = await withDb(['example.com', 'example.net']);
  const { tc, st, uriLocal } = await start(tdb, 1);
  try {
    assert.ok(tc.sink.lines.some((l) => /domain: 2 domains loaded from table 'domain' \(db_mode 1\)/.test(l)));
    await addRow(tdb, 'new.example');
    assert.equal(await uriLocal('sip:bob@new.example'), -1, 'not before reload');
    // two reloads at once share one read
    const [a, b] = await Promise.all([st.reload(), st.reload()]);
    assert.equal(a, 3);
    assert.equal(b, 3);
    assert.equal(await uriLocal('sip:bob@new.example'), 1);
    // a failed reload keeps the list it had
    await st.list.db.close();
    await assert.rejects(st.reload());
    assert.equal(await uriLocal('sip:bob@new.example'), 1);
    assert.equal(await uriLocal('sip:bob@example.com'), 1);
  } finally {
    await tdb.drop();
  }
});

test('domain db_mode 1: the domains count as myself (uri==myself, any port); db_mode 0 adds nothing', async () => {
  const tdb = await withDb(['example.com']);
  const one = await start(tdb, 1);
  const zero = await start(tdb, 0);
  try {
    const me1 = one.tc.core.myself;
    assert.ok(me1.isMyself('example.com', undefined));
    assert.ok(me1.isMyself('EXAMPLE.COM', 5080));
    assert.ok(!me1.isMyself('example.org', undefined));
    assert.ok(me1.isMyself('192.0.2.1', 5060), 'the listen address still is');
    assert.ok(!zero.tc.core.myself.isMyself('example.com', undefined));
    // a reload changes the answer
    await addRow(tdb, 'later.example');
    assert.ok(!me1.isMyself('later.example', undefined));
    await one.st.reload();
    assert.ok(me1.isMyself('later.example', undefined));
  } finally {
    await domain.destroy!(one.st);
    await domain.destroy!(zero.st);
    await tdb.drop();
  }
});

test('domain db_mode 0: a database error is logged and the check is false', async () => {
  const tdb = await withDb(['example.com']);
  const { tc, st, uriLocal } = await start(tdb, 0);
  try {
    await st.list.db.close();
    assert.equal(await uriLocal('sip:bob@example.com'), -1);
    assert.ok(tc.sink.lines.some((l) => /ERROR: is_uri_host_local: error while querying the database/.test(l)), tc.sink.lines.join(''));
  } finally {
    await tdb.drop();
  }
});

test('domain on dbtext (no SQL): both modes compare without case', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-domain-dbtext-'));
  try {
    const tdb = await withDb(['Example.COM'], `dbtext://${dir}`);
    for (const mode of [0, 1] as const) {
      const { st, uriLocal } = await start(tdb, mode);
      try {
        assert.equal(await uriLocal('sip:bob@example.com'), 1);
        assert.equal(await uriLocal('sip:bob@example.org'), -1);
      } finally {
        await domain.destroy!(st);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('domain: a column not in the table stops the start', async () => {
  const tdb = (await sqliteDb.open()) as TestDb;
  try {
    await assert.rejects(
      Promise.resolve().then(() => domain.create(testCore().core, { db_url: tdb.url, db_mode: 1, domain_table: 'domain', domain_col: 'domian' })),
      /domain: parameter domain_col: table 'domain' has no column 'domian' \(did you mean 'domain'\?\)/,
    );
  } finally {
    await tdb.drop();
  }
});


// db_mode 0 runs SQL of its own (lower() on the column): the database servers too
for (const p of [mariaDb, postgresDb]) {
  test(`domain on ${p.name}: db_mode 0 and 1, hosts without regard to case`, async (t) => {
    const r = await p.open();
    if (typeof r === 'string') {
      announceSkip(`domain module tests on ${p.name}`, r);
      t.skip(r);
      return;
    }
    try {
      await withDb(['Example.COM', 'example.net'], r.url);
      for (const mode of [0, 1] as const) {
        const { st, uriLocal, fromLocal } = await start(r, mode);
        try {
          assert.equal(await uriLocal('sip:bob@example.com'), 1);
          assert.equal(await uriLocal('sip:bob@EXAMPLE.NET'), 1);
          assert.equal(await fromLocal('sip:alice@example.org'), -1);
        } finally {
          await domain.destroy!(st);
        }
      }
    } finally {
      await r.drop();
    }
  });
}
