import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbError } from './api.js';
import { openDb } from './open.js';

const root = mkdtempSync(join(tmpdir(), 'ser-open-test-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

test('openDb: sqlite and dbtext by scheme, relative paths from cwd', async () => {
  const logs: string[] = [];
  const a = await openDb('sqlite://ser.db', { cwd: root, log: (m) => logs.push(m) });
  assert.equal(a.caps.raw, true);
  assert.equal(a.url, 'sqlite://ser.db');
  assert.ok(existsSync(join(root, 'ser.db')));
  await a.close();
  const b = await openDb(`dbtext://${join(root, 'db')}`, { log: (m) => logs.push(m) });
  assert.equal(b.caps.raw, false);
  assert.ok(existsSync(join(root, 'db', 'location')));
  await b.close();
  const c = await openDb('sqlite::memory:');
  assert.deepEqual(await c.query('location'), []);
  await c.close();
  assert.equal(logs.length, 2);
});

test('openDb: a bad URL is a DbError bad-request', async () => {
  await assert.rejects(openDb('oracle://x/y'), (e: unknown) => e instanceof DbError && e.code === 'bad-request' && /unknown scheme/.test(e.message));
});

test('openDb: mysql and postgres go to their adapters (no server here: a DbError or a Db that is closed again)', async () => {
  for (const url of ['mysql://ser:topsecret@127.0.0.1:1/ser?timeout=300', 'postgres://ser:topsecret@127.0.0.1:1/ser?timeout=300']) {
    try {
      const db = await openDb(url);
      assert.ok(!db.url.includes('topsecret'));
      await db.close();
    } catch (e) {
      assert.ok(e instanceof DbError, `${url}: ${String(e)}`);
      assert.ok(['unsupported', 'unavailable'].includes(e.code), `${url}: ${e.code} ${e.message}`);
      assert.ok(!e.message.includes('topsecret'), e.message);
    }
  }
});
