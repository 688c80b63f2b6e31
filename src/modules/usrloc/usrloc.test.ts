import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { UsrlocBackend } from './backend.js';
import { manualClock } from './clock.js';
import { FL_PERMANENT, PERMANENT_EXPIRES, Q_UNSET } from './ucontact.js';
import type { UDomain } from './udomain.js';
import { ADMIN_CALL_ID, ADMIN_CSEQ, Usrloc } from './usrloc.js';

const OPTS = { useDomain: false, descTimeOrder: false, timerInterval: 60 };

function setup() {
  const time = manualClock();
  const ul = new Usrloc(OPTS, time.clock);
  return { time, ul };
}

test('tables are created on demand by name and kept apart', () => {
  const { ul } = setup();
  const loc = ul.registerTable('location');
  assert.equal(ul.registerTable('location'), loc);
  assert.notEqual(ul.registerTable('aliases'), loc);
  assert.equal(ul.table('other'), undefined);
  assert.deepEqual(ul.tables().map((t) => t.name), ['location', 'aliases']);
});

test('ul add: a permanent contact by default (q 1, the admin Call-ID), or one with an expiry', () => {
  const { ul, time } = setup();
  assert.equal(ul.addPermanent('location', 'newuser', 'sip:666@gateway.foo.bar'), undefined, 'the table must exist');
  ul.registerTable('location');
  const p = ul.addPermanent('location', 'newuser', 'sip:666@gateway.foo.bar')!;
  assert.equal(p.permanent, true);
  assert.equal(p.flags & FL_PERMANENT, FL_PERMANENT);
  assert.equal(p.q, 1);
  assert.equal(p.callId, ADMIN_CALL_ID);
  assert.equal(p.cseq, ADMIN_CSEQ);
  const t = ul.addContact('location', 'newuser', 'sip:temp@192.0.2.1', { expires: 100, q: 0.5 })!;
  assert.equal(t.expires, time.now + 100);
  assert.equal(t.permanent, false);
  // adding the same URI again replaces it
  ul.addContact('location', 'newuser', 'sip:temp@192.0.2.1', { expires: 200, q: Q_UNSET });
  assert.equal(ul.getRecord('location', 'newuser')!.contacts.length, 2);
  assert.equal(t.expires, time.now + 200);
  assert.throws(() => ul.addContact('location', 'x', 'sip:x@y', { q: 2 }), RangeError);
});

test('ul rm and ul rm_contact', () => {
  const { ul } = setup();
  ul.registerTable('location');
  ul.addPermanent('location', 'alice', 'sip:a1@192.0.2.1');
  ul.addPermanent('location', 'alice', 'sip:a2@192.0.2.2');
  assert.equal(ul.removeContact('nope', 'alice', 'sip:a1@192.0.2.1'), 'no-table');
  assert.equal(ul.removeContact('location', 'bob', 'sip:a1@192.0.2.1'), 'no-record');
  assert.equal(ul.removeContact('location', 'alice', 'sip:zz@192.0.2.1'), 'no-contact');
  assert.equal(ul.removeContact('location', 'alice', 'sip:a1@192.0.2.1'), 'deleted');
  assert.deepEqual(ul.getRecord('location', 'alice')!.contacts.map((c) => c.uri), ['sip:a2@192.0.2.2']);
  assert.equal(ul.removeContact('location', 'alice', 'sip:a2@192.0.2.2'), 'deleted');
  assert.equal(ul.getRecord('location', 'alice'), undefined, 'the empty record goes too');
  ul.addPermanent('location', 'bob', 'sip:b@192.0.2.3');
  assert.equal(ul.removeRecord('location', 'bob'), true);
  assert.equal(ul.removeRecord('location', 'bob'), false);
  assert.equal(ul.removeRecord('nope', 'bob'), false);
});

test('dump and stats', () => {
  const { ul, time } = setup();
  ul.registerTable('location');
  ul.registerTable('aliases');
  ul.addContact('location', 'alice', 'sip:a1@192.0.2.1', { expires: 10, q: 0.5 });
  ul.addPermanent('aliases', '1234', 'sip:john.doe@foo.bar');
  time.advance(4);
  const dump = ul.dump();
  assert.equal(dump.length, 2);
  assert.equal(dump[0]!.table, 'location');
  assert.equal(dump[0]!.records[0]!.aor, 'alice');
  const c = dump[0]!.records[0]!.contacts[0]!;
  assert.equal(c.uri, 'sip:a1@192.0.2.1');
  assert.equal(c.remaining, 6);
  assert.equal(c.q, 0.5);
  assert.equal(dump[1]!.records[0]!.contacts[0]!.remaining, PERMANENT_EXPIRES);
  time.advance(10);
  assert.equal(ul.expire(), 1);
  assert.deepEqual(ul.stats(), [
    { table: 'location', records: 0, contacts: 0, expired: 1 },
    { table: 'aliases', records: 1, contacts: 1, expired: 0 },
  ]);
});

test('flush is a no-op in memory mode; stop flushes and closes the backend', async () => {
  const calls: string[] = [];
  const backend: UsrlocBackend = {
    dbMode: 0,
    changed: (ch) => calls.push(`changed ${ch.op}`),
    flush: (tables: readonly UDomain[]) => {
      calls.push(`flush ${tables.map((t) => t.name).join()}`);
    },
    load: (t) => {
      calls.push(`load ${t.name}`);
      return Promise.resolve();
    },
    close: () => {
      calls.push('close');
    },
  };
  const ul = new Usrloc(OPTS, manualClock().clock, backend);
  ul.registerTable('location');
  await ul.ready();
  ul.addPermanent('location', 'a', 'sip:a@b');
  await ul.flush();
  await ul.stop();
  assert.deepEqual(calls, ['load location', 'changed insert', 'flush location', 'flush location', 'close']);
  const mem = new Usrloc(OPTS);
  await mem.flush();
  await mem.stop();
});

test('the timer removes expired contacts every timer_interval seconds, and stops', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const time = manualClock();
    const ul = new Usrloc({ ...OPTS, timerInterval: 30 }, time.clock);
    ul.registerTable('location');
    ul.addContact('location', 'alice', 'sip:a@192.0.2.1', { expires: 40 });
    ul.addContact('location', 'bob', 'sip:b@192.0.2.2', { expires: 70 });
    ul.start();
    ul.start(); // once only
    time.advance(30);
    mock.timers.tick(30_000);
    assert.equal(ul.stats()[0]!.contacts, 2);
    time.advance(30);
    mock.timers.tick(30_000);
    assert.deepEqual(ul.stats()[0], { table: 'location', records: 1, contacts: 1, expired: 1 });
    await ul.stop();
    time.advance(30);
    mock.timers.tick(30_000);
    assert.equal(ul.stats()[0]!.contacts, 1, 'stopped: nothing more removed');
  } finally {
    mock.timers.reset();
  }
});

test('a failing backend flush in the timer is logged, not thrown', async () => {
  mock.timers.enable({ apis: ['setInterval'] });
  const errors: string[] = [];
  try {
    const backend: UsrlocBackend = {
      dbMode: 2,
      changed: () => {},
      flush: () => Promise.reject(new Error('db down')),
      close: () => {},
    };
    const ul = new Usrloc({ ...OPTS, timerInterval: 1 }, manualClock().clock, backend, { err: (m) => errors.push(m), dbg: () => {} });
    ul.start();
    mock.timers.tick(1000);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(errors, ['usrloc: flush failed: db down']);
    await assert.rejects(ul.stop(), /db down/);
  } finally {
    mock.timers.reset();
  }
});
