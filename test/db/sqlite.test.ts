// The SQLite adapter: the conformance suite on a temporary file, plus what is SQLite's own:
// the file, its directory and the schema made on first open, data kept across a reopen, WAL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DbError } from '../../src/db/api.js';
import { TABLES } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { dbConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ser-sqlite-test-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

dbConformance('SQLite (file)', async () => openSqlite(`sqlite://${join(root, 'conformance.db')}`));
dbConformance('SQLite (memory)', async () => openSqlite('sqlite::memory:'));

test('SQLite: first open creates the directory, the file and every table with its version row', async () => {
  const path = join(root, 'new', 'sub', 'ser.db');
  const logs: string[] = [];
  const db = await openSqlite(`sqlite://${path}`, { log: (m) => logs.push(m) });
  assert.ok(existsSync(path));
  const names = (await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name")).map((r) => r['name']);
  assert.deepEqual(names, TABLES.map((t) => t.name).sort());
  const versions = await db.query('version', { orderBy: 'table_name' });
  assert.deepEqual(
    versions.map((r) => [r['table_name'], r['table_version']]),
    TABLES.filter((t) => t.name !== 'version').map((t) => [t.name, t.version]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
  );
  assert.equal((await db.raw('PRAGMA journal_mode'))[0]!['journal_mode'], 'wal');
  assert.equal((await db.raw('PRAGMA synchronous'))[0]!['synchronous'], 1); // NORMAL
  assert.ok(Number((await db.raw('PRAGMA busy_timeout'))[0]!['timeout']) > 0);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /created tables version, subscriber/);
  await db.close();
});

test('SQLite: reopening keeps the data and does not recreate anything', async () => {
  const path = join(root, 'reopen.db');
  const expires = new Date(Date.UTC(2030, 5, 6, 7, 8, 9));
  let db = await openSqlite(`sqlite://${path}`);
  await db.insert('location', { username: 'alice', domain: 'example.org', contact: 'sip:alice@192.0.2.1', expires, q: 0.7, cseq: 9 });
  await db.update('version', [{ col: 'table_name', value: 'location' }], { table_version: 77 });
  await db.close();
  const logs: string[] = [];
  db = await openSqlite(`sqlite://${path}`, { log: (m) => logs.push(m) });
  assert.deepEqual(logs, []);
  const rows = await db.query('location', { columns: ['username', 'contact', 'expires', 'q', 'cseq'] });
  assert.deepEqual(rows, [{ username: 'alice', contact: 'sip:alice@192.0.2.1', expires, q: 0.7, cseq: 9 }]);
  // the version rows are not rewritten on open
  assert.deepEqual(await db.query('version', { columns: ['table_version'], where: [{ col: 'table_name', value: 'location' }] }), [{ table_version: 77 }]);
  await db.close();
});

test('SQLite: a missing table is created in a file that has the others', async () => {
  const path = join(root, 'partial.db');
  const raw = new Database(path);
  raw.exec('CREATE TABLE location (username TEXT)');
  raw.close();
  const db = await openSqlite(`sqlite://${path}`);
  assert.deepEqual(await db.query('subscriber'), []);
  await db.close();
});

test('SQLite: a directory that cannot be made or a file that is not a database fail clearly', async () => {
  const file = join(root, 'plainfile');
  writeFileSync(file, 'not a directory');
  await assert.rejects(openSqlite(`sqlite://${join(file, 'x', 'ser.db')}`), (e: unknown) => {
    assert.ok(e instanceof DbError);
    assert.equal(e.code, 'unavailable');
    assert.match(e.message, /cannot create its directory/);
    assert.ok(e.message.includes(join(file, 'x')));
    return true;
  });
  const garbage = join(root, 'garbage.db');
  writeFileSync(garbage, 'x'.repeat(4096));
  await assert.rejects(openSqlite(`sqlite://${garbage}`), (e: unknown) => e instanceof DbError && e.code === 'unavailable' && e.message.includes(garbage));
  if (process.getuid?.() !== 0) {
    const ro = join(root, 'ro');
    rmSync(ro, { recursive: true, force: true });
    writeFileSync(join(root, 'ro-marker'), '');
    chmodSync(root, 0o500);
    try {
      await assert.rejects(openSqlite(`sqlite://${join(ro, 'ser.db')}`), (e: unknown) => e instanceof DbError && e.code === 'unavailable');
    } finally {
      chmodSync(root, 0o700);
    }
  }
});

test('SQLite: raw() takes one statement only (no stacked statements)', async () => {
  const db = await openSqlite('sqlite::memory:');
  await assert.rejects(db.raw("SELECT 1; DROP TABLE subscriber"), (e: unknown) => e instanceof DbError && e.code === 'bad-request');
  assert.deepEqual(await db.query('subscriber'), []);
  assert.deepEqual(await db.raw('SELECT ? AS a, ? AS b', [1, new Date(Date.UTC(2024, 0, 1))]), [{ a: 1, b: '2024-01-01 00:00:00' }]);
  await db.close();
});

test('SQLite: a second connection sees the first one\'s writes (WAL, shared file)', async () => {
  const path = join(root, 'shared.db');
  const a = await openSqlite(`sqlite://${path}`);
  const b = await openSqlite(`sqlite://${path}`);
  await a.insert('domain', { domain: 'example.net' });
  assert.deepEqual((await b.query('domain', { columns: ['domain'] })), [{ domain: 'example.net' }]);
  await a.close();
  await b.close();
});
