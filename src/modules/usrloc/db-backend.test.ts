import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DbError, type Db } from '../../db/api.js';
import { openDb } from '../../db/open.js';
import { manualClock } from './clock.js';
import { DbBackend } from './db-backend.js';
import { DEFAULT_COLUMNS, formatReceived, parseReceived, splitAor } from './db-rows.js';
import { Usrloc, UsrlocDbError } from './usrloc.js';

// The database modes over SQLite in memory, with a switch that makes every write fail as a lost
// connection does (DbError 'unavailable').

async function setup(dbMode: 1 | 2 | 3, useDomain = false) {
  const real = await openDb('sqlite::memory:');
  let down = false;
  const unavailable = () => Promise.reject(new DbError('connection lost', 'unavailable'));
  const db: Db = new Proxy(real, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (down && prop !== 'close' ? unavailable() : (v as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  const time = manualClock(Math.floor(Date.now() / 1000));
  const backend = new DbBackend(db, { dbMode, columns: DEFAULT_COLUMNS, useDomain, clock: time.clock });
  const ul = new Usrloc({ useDomain, descTimeOrder: false, timerInterval: 60 }, time.clock, backend);
  ul.registerTable('location');
  await ul.ready();
  return {
    ul,
    real,
    time,
    setDown: (v: boolean) => {
      down = v;
    },
    rows: () => real.query('location', { columns: ['username', 'domain', 'contact', 'cseq'] }),
  };
}

test('db_mode 1: a change is written before change() resolves; a failed write is undone in memory', async () => {
  const { ul, setDown, rows } = await setup(1);
  await ul.addContactAsync('location', 'alice', 'sip:a@192.0.2.1', { expires: 100 });
  assert.equal((await rows()).length, 1);
  assert.equal(ul.getRecord('location', 'alice')!.contacts[0]!.state, 'sync');
  setDown(true);
  await assert.rejects(ul.addContactAsync('location', 'alice', 'sip:b@192.0.2.2', { expires: 100 }), UsrlocDbError);
  await assert.rejects(ul.removeRecordAsync('location', 'alice'), UsrlocDbError);
  assert.deepEqual(ul.getRecord('location', 'alice')!.contacts.map((c) => c.uri), ['sip:a@192.0.2.1'], 'memory as the database has it');
  await assert.rejects(ul.addContactAsync('location', 'bob', 'sip:b@192.0.2.2', { expires: 100 }), UsrlocDbError);
  assert.equal(ul.getRecord('location', 'bob'), undefined, 'a record created by the failed change is gone');
  assert.equal(ul.dbStats()!.failures, 3);
  setDown(false);
  assert.equal(await ul.removeRecordAsync('location', 'alice'), true);
  assert.equal((await rows()).length, 0);
});

test('db_mode 1: changes of one address of record run one after the other', async () => {
  const { ul, rows } = await setup(1);
  await Promise.all(Array.from({ length: 20 }, (_, i) => ul.addContactAsync('location', 'alice', `sip:a${i}@192.0.2.1`, { expires: 100 })));
  assert.equal(ul.getRecord('location', 'alice')!.contacts.length, 20);
  assert.equal((await rows()).length, 20);
});

test('db_mode 2: changes wait for the flush; a failed flush keeps them dirty, deletes included', async () => {
  const { ul, setDown, rows } = await setup(2);
  ul.addContact('location', 'alice', 'sip:a@192.0.2.1', { expires: 100 });
  ul.addContact('location', 'bob', 'sip:b@192.0.2.1', { expires: 100 });
  assert.equal((await rows()).length, 0);
  assert.equal(ul.dbStats()!.dirty, 2);
  await ul.flush();
  assert.equal((await rows()).length, 2);
  assert.equal(ul.dbStats()!.dirty, 0);
  assert.equal(ul.getRecord('location', 'alice')!.contacts[0]!.state, 'sync');
  setDown(true);
  ul.removeRecord('location', 'alice');
  ul.addContact('location', 'carol', 'sip:c@192.0.2.1', { expires: 100 });
  await assert.rejects(ul.flush());
  assert.equal(ul.dbStats()!.dirty, 2, 'still dirty');
  setDown(false);
  await ul.flush();
  assert.deepEqual((await rows()).map((r) => r.username).sort(), ['bob', 'carol']);
  assert.ok(ul.dbStats()!.lastFlush !== undefined);
});

test('db_mode 1 and 2: tables are loaded at start, expired rows skipped and then deleted', async () => {
  const { real, time } = await setup(1);
  const now = time.now;
  await real.insert('location', { username: 'alice', domain: '', contact: 'sip:a@192.0.2.1', expires: new Date((now + 100) * 1000), q: 0.5, callid: 'c1', cseq: 3, flags: 1, user_agent: 'ua', received: 'sip:[2001:db8::1]:5062;transport=tcp', socket: '2' });
  await real.insert('location', { username: 'old', domain: '', contact: 'sip:o@192.0.2.1', expires: new Date((now - 1) * 1000), callid: 'c2', cseq: 1 });
  const backend = new DbBackend(real, { dbMode: 2, columns: DEFAULT_COLUMNS, useDomain: false, clock: time.clock });
  const ul = new Usrloc({ useDomain: false, descTimeOrder: false, timerInterval: 60 }, time.clock, backend);
  ul.registerTable('location');
  await ul.ready();
  const c = ul.getRecord('location', 'alice')!.contacts[0]!;
  assert.deepEqual([c.expires, c.q, c.callId, c.cseq, c.flags, c.userAgent, c.socketId, c.state], [now + 100, 0.5, 'c1', 3, 1, 'ua', 2, 'sync']);
  assert.deepEqual(c.received, { proto: 'tcp', ip: '2001:db8::1', port: 5062 });
  assert.equal(ul.getRecord('location', 'old'), undefined);
  await ul.flush();
  assert.equal((await real.query('location')).length, 1, 'the expired row is deleted');
});

test('db_mode 3: reads go to the database, memory keeps nothing', async () => {
  const { ul, real, setDown } = await setup(3, true);
  await ul.addContactAsync('location', 'alice@example.com', 'sip:a@192.0.2.1', { expires: 100 });
  assert.equal(ul.getRecord('location', 'alice@example.com'), undefined, 'nothing cached');
  const rows = await real.query('location');
  assert.equal(rows[0]!.username, 'alice');
  assert.equal(rows[0]!.domain, 'example.com');
  assert.deepEqual((await ul.fetchRecord('location', 'alice@example.com'))!.contacts.map((c) => c.uri), ['sip:a@192.0.2.1']);
  assert.equal(await ul.fetchRecord('location', 'alice@example.org'), undefined, 'the domain counts');
  assert.throws(() => ul.addContact('location', 'x', 'sip:x@y'), /db_mode 3/);
  setDown(true);
  await assert.rejects(ul.fetchRecord('location', 'alice@example.com'), UsrlocDbError);
});

test('rows: address of record split, received formatted both ways', () => {
  assert.deepEqual(splitAor('alice@example.com', true), ['alice', 'example.com']);
  assert.deepEqual(splitAor('a@b@example.com', true), ['a@b', 'example.com']);
  assert.deepEqual(splitAor('alice@example.com', false), ['alice@example.com', '']);
  for (const r of [{ proto: 'udp' as const, ip: '198.51.100.7', port: 5062 }, { proto: 'tcp' as const, ip: '2001:db8::1', port: 5060 }]) {
    assert.deepEqual(parseReceived(formatReceived(r)), r);
  }
  assert.equal(parseReceived('garbage'), undefined);
});
