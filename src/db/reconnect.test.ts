// ConnectionGuard without a server: a fake probe stands for the database.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbError, type DbStats } from './api.js';
import {
  codeForSqlState, connectFailure, ConnectionGuard, describeError, isConnectionLoss, poolSettings, utcDateTime,
  wholeSeconds, type GuardOptions, type OpContext,
} from './reconnect.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function stats(): DbStats {
  return { queries: 0, errors: 0, reconnects: 0, connected: true, lastError: undefined };
}

const err = (code: string, message = code): Error => Object.assign(new Error(message), { code });

/** A guard whose server is `up` or not; the probe's calls are recorded. */
function harness(o: Partial<GuardOptions> = {}) {
  const st = stats();
  const logs: string[] = [];
  const probes: number[] = [];
  const server = { up: true };
  const guard = new ConnectionGuard({
    name: 'mysql://ser:***@db.example/ser',
    stats: st,
    probe: async () => {
      probes.push(Date.now());
      if (!server.up) throw err('ECONNREFUSED', 'connect ECONNREFUSED 192.0.2.1:3306');
    },
    classify: (e, what) => new DbError(`${what}: ${describeError(e)}`, 'bad-request', { cause: e }),
    log: (m) => logs.push(m),
    deadlineMs: 300,
    backoffMinMs: 20,
    backoffMaxMs: 100,
    ...o,
  });
  return { guard, st, logs, probes, server };
}

async function rejectsCode(p: Promise<unknown>, code: DbError['code']): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DbError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail('expected a rejection');
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail('timed out');
    await sleep(5);
  }
}

test('isConnectionLoss: lost or refused connections, not bad statements', () => {
  for (const e of [
    err('ECONNREFUSED'), err('ECONNRESET'), err('EPIPE'), err('ETIMEDOUT'), err('ENOTFOUND'),
    err('PROTOCOL_CONNECTION_LOST'), err('ER_SERVER_SHUTDOWN'), err('ER_CON_COUNT_ERROR'),
    err('57P01', 'terminating connection due to administrator command'), err('08006'), err('08001'), err('53300'),
    new Error('Connection terminated unexpectedly'), new Error('Client has encountered a connection error and is not queryable'),
    new Error("Can't add new command when connection is in closed state"),
    Object.assign(new Error('whatever'), { fatal: true }),
    new AggregateError([err('ECONNREFUSED')], ''),
    new DbError('x', 'unavailable'),
  ]) {
    assert.equal(isConnectionLoss(e), true, describeError(e));
  }
  for (const e of [
    err('ER_DUP_ENTRY'), err('23505'), err('42601', 'syntax error'), err('ER_PARSE_ERROR'),
    Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR', fatal: true }),
    new DbError('x', 'bad-request'), new Error('something else'), 'a string', undefined,
  ]) {
    assert.equal(isConnectionLoss(e), false, describeError(e));
  }
});

test('codeForSqlState: integrity -> constraint, syntax/data/access -> bad-request, conflicts -> unavailable', () => {
  assert.equal(codeForSqlState('23505'), 'constraint');
  assert.equal(codeForSqlState('23000'), 'constraint');
  assert.equal(codeForSqlState('42601'), 'bad-request');
  assert.equal(codeForSqlState('42S02'), 'bad-request');
  assert.equal(codeForSqlState('22001'), 'bad-request');
  assert.equal(codeForSqlState('40001'), 'unavailable');
  assert.equal(codeForSqlState('57014'), 'unavailable');
  assert.equal(codeForSqlState('HY000'), 'internal');
  assert.equal(codeForSqlState(undefined), 'internal');
});

test('utcDateTime and wholeSeconds: UTC text, milliseconds only when there are some; rows cut to the second', () => {
  assert.equal(utcDateTime(new Date(Date.UTC(2024, 6, 8, 9, 10, 11))), '2024-07-08 09:10:11');
  assert.equal(utcDateTime(new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 60))), '2031-01-02 03:04:05.060');
  const d = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 999));
  const row = { a: d, b: 'x', c: null, e: new Date(Date.UTC(2031, 0, 1)) };
  const cut = wholeSeconds(row);
  assert.equal((cut.a as Date).toISOString(), '2031-01-02T03:04:05.000Z');
  assert.equal(cut.e, row.e, 'whole seconds are left alone');
  assert.equal(row.a, d, 'the caller’s row is not changed');
  const plain = { x: 1 };
  assert.equal(wholeSeconds(plain), plain);
});

test('poolSettings: options win over ?pool= and ?timeout=, which are checked', () => {
  assert.deepEqual(poolSettings('u', {}, {}), { poolSize: 4, deadlineMs: 3000 });
  assert.deepEqual(poolSettings('u', { pool: '8', timeout: '1500' }, {}), { poolSize: 8, deadlineMs: 1500 });
  assert.deepEqual(poolSettings('u', { pool: '8' }, { poolSize: 2, deadlineMs: 100 }), { poolSize: 2, deadlineMs: 100 });
  assert.throws(() => poolSettings('u', { pool: '0' }, {}), (e: unknown) => e instanceof DbError && /\?pool=0: expected an integer from 1 to 100/.test(e.message));
  assert.throws(() => poolSettings('u', { timeout: 'soon' }, {}), (e: unknown) => e instanceof DbError && e.code === 'bad-request');
});

test('connectFailure: says where, as whom, and what to check', () => {
  const where = { host: '127.0.0.1', port: 3306, user: 'root', database: 'ser', url: 'mysql://root@127.0.0.1:3306/ser' };
  const refused = connectFailure('mysql', where, err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:3306'));
  assert.equal(refused.code, 'unavailable');
  assert.equal(refused.message, 'cannot connect to mysql at 127.0.0.1:3306 as root: connect ECONNREFUSED 127.0.0.1:3306 — is the server running? check db_url (mysql://root@127.0.0.1:3306/ser)');
  const denied = connectFailure('mysql', where, err('ER_ACCESS_DENIED_ERROR', "Access denied for user 'root'@'localhost' (using password: YES)"));
  assert.equal(denied.code, 'bad-request');
  assert.match(denied.message, /check the user name and password in db_url/);
  const nodb = connectFailure('postgres', { ...where, port: 5432 }, err('3D000', 'database "ser" does not exist'));
  assert.match(nodb.message, /database 'ser' does not exist: create it with ser-dbinit create <db_url>/);
  const v6 = connectFailure('postgres', { ...where, host: '::1' }, err('ECONNREFUSED'));
  assert.match(v6.message, /at \[::1\]:3306/);
});

test('an outage: noticed once, operations fail at once, reconnect in the background with doubling delays, counted', async () => {
  const h = harness();
  assert.equal(await h.guard.run('query location', async () => 'ok'), 'ok');
  h.server.up = false;
  // the operation that finds the connection gone
  const e1 = await rejectsCode(h.guard.run('query location', async () => { throw err('ECONNRESET', 'read ECONNRESET'); }), 'unavailable');
  assert.match(e1.message, /query location: connection lost \(read ECONNRESET\); try again later/);
  await waitFor(() => !h.guard.available, 500);
  assert.equal(h.st.connected, false);
  // while it is away: at once, without touching the server, and counted
  let touched = 0;
  for (let i = 0; i < 20; i++) {
    const t0 = Date.now();
    const e = await rejectsCode(h.guard.run('insert into acc', async () => { touched++; }), 'unavailable');
    assert.ok(Date.now() - t0 < 50);
    assert.match(e.message, /^mysql:\/\/ser:\*\*\*@db\.example\/ser is unavailable since \S+ \((read ECONNRESET|connect ECONNREFUSED 192\.0\.2\.1:3306)\); reconnecting in the background$/);
  }
  assert.equal(touched, 0);
  assert.equal(h.st.errors, 21);
  await sleep(350);
  // back-off: 20, 40, 80, 100, 100 ms between attempts (the first probe was the check itself)
  const gaps = h.probes.slice(1).map((t, i) => t - h.probes[i]!);
  assert.ok(gaps.length >= 4, `probes: ${gaps.join(', ')}`);
  assert.ok(gaps[0]! >= 15 && gaps[0]! < 150, `first gap ${gaps[0]}`);
  assert.ok(gaps[1]! >= 35 && gaps[1]! < 200, `second gap ${gaps[1]}`);
  assert.ok(gaps[2]! >= 75, `third gap ${gaps[2]}`);
  for (const g of gaps.slice(3)) assert.ok(g >= 95 && g < 300, `capped gap ${g}`);
  assert.equal(h.st.reconnects, 0);
  h.server.up = true;
  await waitFor(() => h.guard.available, 500);
  assert.equal(h.st.connected, true);
  assert.equal(h.st.reconnects, 1);
  assert.equal(await h.guard.run('query location', async () => 'again'), 'again');
  assert.equal(h.logs.length, 2, h.logs.join('\n'));
  assert.match(h.logs[0]!, /^ERROR: db: lost connection to mysql:\/\/ser:\*\*\*@db\.example\/ser \(read ECONNRESET\); operations fail until it is back, reconnecting in the background$/);
  assert.match(h.logs[1]!, /^NOTICE: db: connection to mysql:\/\/ser:\*\*\*@db\.example\/ser is back after [\d.]+ s \(\d+ attempts\)$/);
  h.guard.close();
});

test('a dead pooled connection, server still there: a read is tried again on a fresh one; counted once, logged once', async () => {
  const h = harness();
  let calls = 0;
  const r = await h.guard.run('query location', async () => {
    if (calls++ === 0) throw err('PROTOCOL_CONNECTION_LOST', 'Connection lost: The server closed the connection.');
    return 'fresh';
  }, true);
  assert.equal(r, 'fresh');
  assert.equal(h.st.reconnects, 1);
  assert.equal(h.st.connected, true);
  assert.equal(h.logs.length, 1);
  assert.match(h.logs[0]!, /^WARNING: db: connection to .* was lost \(PROTOCOL_CONNECTION_LOST: .*\); connected again$/);
  // a write is not tried again (it may have been done): it fails, the next one works
  await rejectsCode(h.guard.run('insert into acc', async () => { throw err('ECONNRESET'); }), 'unavailable');
  assert.equal(await h.guard.run('insert into acc', async () => 'done'), 'done');
  // the other connections of the pool dying right after are the same outage
  h.guard.lost(err('PROTOCOL_CONNECTION_LOST'));
  h.guard.lost(err('PROTOCOL_CONNECTION_LOST'));
  await sleep(20);
  assert.equal(h.st.reconnects, 1);
  assert.equal(h.logs.length, 1, h.logs.join('\n'));
  h.guard.close();
});

test('the deadline: an operation that does not answer is abandoned (its context aborted); a server that answers the check is only slow', async () => {
  const h = harness({ deadlineMs: 100 });
  let aborted = false;
  const t0 = Date.now();
  let ctxSeen: OpContext | undefined;
  const e = await rejectsCode(h.guard.run('query location', (ctx) => new Promise(() => {
    ctxSeen = ctx;
    ctx.onAbort(() => { aborted = true; });
  })), 'unavailable');
  const took = Date.now() - t0;
  assert.ok(took >= 95 && took < 600, `took ${took} ms`);
  assert.match(e.message, /query location: no answer within 100 ms; the operation was abandoned/);
  assert.equal(aborted, true);
  assert.equal(ctxSeen!.aborted, true);
  assert.match(String(ctxSeen!.reason), /no answer within 100 ms/);
  await sleep(20);
  assert.equal(h.guard.available, true);
  assert.equal(h.st.connected, true);
  assert.deepEqual(h.logs, []);
  // a server that answers nothing, probes included: declared away after one deadline more
  h.server.up = false;
  const hang = harness({ deadlineMs: 100, probe: () => new Promise<void>(() => undefined) });
  await rejectsCode(hang.guard.run('query location', () => new Promise(() => undefined)), 'unavailable');
  await waitFor(() => !hang.guard.available, 400);
  assert.match(hang.logs[0]!, /no answer within 100 ms/);
  const t1 = Date.now();
  await rejectsCode(hang.guard.run('query location', async () => 'never'), 'unavailable');
  assert.ok(Date.now() - t1 < 50);
  h.guard.close();
  hang.guard.close();
});

test('errors that are not connection losses: classified, counted, no check, no log', async () => {
  const h = harness();
  const e = await rejectsCode(h.guard.run('insert into grp', async () => { throw err('ER_DUP_ENTRY', 'Duplicate entry'); }), 'bad-request');
  assert.match(e.message, /^insert into grp: ER_DUP_ENTRY: Duplicate entry$/);
  const d = await rejectsCode(h.guard.run('query x', async () => { throw new DbError('own', 'constraint'); }), 'constraint');
  assert.equal(d.message, 'own');
  const refused = h.guard.refused(new DbError("unknown table 'x'", 'bad-request'));
  assert.equal(refused.code, 'bad-request');
  assert.equal(h.st.errors, 3);
  assert.equal(h.st.lastError, "unknown table 'x'");
  assert.equal(h.probes.length, 0);
  assert.deepEqual(h.logs, []);
  h.guard.close();
});

test('close: background reconnection stops, operations fail with unavailable; a throwing logger changes nothing', async () => {
  const h = harness({ log: () => { throw new Error('broken logger'); } });
  h.server.up = false;
  h.guard.lost(err('ECONNRESET'));
  await waitFor(() => !h.guard.available, 200);
  h.guard.close();
  const n = h.probes.length;
  await sleep(80);
  assert.equal(h.probes.length, n, 'no probe after close');
  assert.equal(h.guard.closed, true);
  const e = await rejectsCode(h.guard.run('query location', async () => 'x'), 'unavailable');
  assert.match(e.message, /closed/);
});
