import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDb } from '../../db/open.js';
import { RpcRegistry } from '../../script/rpc.js';
import { sqliteDb, testCore, type TestDb } from '../group/testing.js';
import domain from './index.js';

// domain_reload and domain_dump through the registry, over an SQLite file.

async function setup(mode: 0 | 1, rows: string[]) {
  const tdb = (await sqliteDb.open()) as TestDb;
  const db = await openDb(tdb.url);
  try {
    for (const d of rows) await db.insert('domain', { domain: d });
  } finally {
    await db.close();
  }
  const tc = testCore();
  const rpc = new RpcRegistry();
  Object.assign(tc.core, { rpc });
  const st = await domain.create(tc.core, { db_url: tdb.url, db_mode: mode, domain_table: 'domain', domain_col: 'domain' });
  const call = (name: string) => rpc.call(rpc.get(name)!, {});
  const add = async (d: string) => {
    const db2 = await openDb(tdb.url);
    try {
      await db2.insert('domain', { domain: d });
    } finally {
      await db2.close();
    }
  };
  return { tdb, st, rpc, call, add, tc };
}

test('domain_reload (db_mode 1) reads the table again; domain_dump lists the domains', async () => {
  const { st, rpc, call, add, tdb } = await setup(1, ['example.com', 'Sub.Example.NET']);
  try {
    assert.equal(rpc.byJsonMethod('domain.reload'), rpc.get('domain_reload'));
    assert.equal(rpc.byJsonMethod('domain.dump'), rpc.get('domain_dump'));
    const d1 = await call('domain_dump');
    assert.deepEqual([d1.code, d1.reason, d1.text], [200, 'OK', 'example.com\nsub.example.net\n']);
    await add('new.example.org');
    assert.equal(st.list.isCached('new.example.org'), false);
    const r = await call('domain_reload');
    assert.deepEqual([r.code, r.reason, r.value], [200, 'OK', { domains: 3 }]);
    assert.equal(st.list.isCached('new.example.org'), true);
    assert.deepEqual((await call('domain_dump')).value, ['example.com', 'new.example.org', 'sub.example.net']);
  } finally {
    await domain.destroy!(st);
    await tdb.drop();
  }
});

test('domain_reload in db_mode 0 is a 400; domain_dump reads the table', async () => {
  const { st, call, tdb } = await setup(0, ['example.com']);
  try {
    const r = await call('domain_reload');
    assert.equal(r.code, 400);
    assert.match(r.reason, /^Domain table reload failed: db_mode 0/);
    assert.equal((await call('domain_dump')).text, 'example.com\n');
  } finally {
    await domain.destroy!(st);
    await tdb.drop();
  }
});

test('domain_reload: a failed read is a 500 and the old list stays', async () => {
  const { st, call, tdb } = await setup(1, ['example.com']);
  try {
    await st.list.db.close();
    const r = await call('domain_reload');
    assert.equal(r.code, 500);
    assert.match(r.reason, /^Domain table reload failed: /);
    assert.equal(st.list.isCached('example.com'), true);
  } finally {
    await tdb.drop();
  }
});
