import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDb } from '../../src/db/open.js';
import { createStatements } from '../../src/db/schema.js';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { killMatchingAfter, sleep, startListening, tempDir, writeCfg, type SerProcess } from '../cli/cli-helpers.js';
import { freePort } from '../helpers/ports.js';

// What survives a crash: a real `ser` process (node bin/ser.js -D -E -f cfg) is killed with
// SIGKILL and started again on the same database.
// - db_mode 1 on SQLite: 10,000 registrations, every one answered 200 before the kill: all there.
// - db_mode 2 on SQLite with timer_interval 1: what was registered more than an interval before
//   the kill is there; the last interval may be lost.
// - the database goes away while REGISTERs arrive (PostgreSQL: connections refused and the
//   server's sessions terminated): db_mode 1 answers 500 with Retry-After and keeps memory as the
//   database has it; db_mode 2 answers 200 and writes everything once the database is back.

/** A SIP client over one UDP socket that matches responses to requests by Call-ID. */
class Client {
  private readonly waiting = new Map<string, (m: SipMessage) => void>();
  readonly requests: SipMessage[] = [];
  private requestWaiters: (() => void)[] = [];
  private constructor(readonly sock: dgram.Socket) {
    sock.on('message', (buf) => {
      let m: SipMessage;
      try {
        m = parseMessage(buf);
      } catch {
        return;
      }
      if (m.isRequest) {
        this.requests.push(m);
        for (const w of this.requestWaiters.splice(0)) w();
        return;
      }
      if (m.status < 200) return;
      const w = this.waiting.get(m.callId);
      if (w) {
        this.waiting.delete(m.callId);
        w(m);
      }
    });
  }
  static async open(): Promise<Client> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.setRecvBufferSize?.(4 << 20);
    return new Client(s);
  }
  get port(): number {
    return this.sock.address().port;
  }
  /** Send and wait for the final response, retransmitting every 500 ms; undefined after `ms`. */
  async request(text: string, callId: string, srvPort: number, ms = 5000): Promise<SipMessage | undefined> {
    const got = new Promise<SipMessage>((r) => this.waiting.set(callId, r));
    const deadline = Date.now() + ms;
    for (;;) {
      this.sock.send(Buffer.from(text, 'latin1'), srvPort, '127.0.0.1');
      const left = Math.min(500, deadline - Date.now());
      if (left <= 0) break;
      const m = await Promise.race([got, sleep(left).then(() => undefined)]);
      if (m) return m;
    }
    this.waiting.delete(callId);
    return undefined;
  }
  /** The next request that arrives (an INVITE forwarded to us), or undefined after `ms`. */
  async nextRequest(ms = 3000): Promise<SipMessage | undefined> {
    const deadline = Date.now() + ms;
    while (this.requests.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await Promise.race([new Promise<void>((r) => this.requestWaiters.push(r)), sleep(left)]);
    }
    return this.requests.shift();
  }
  close(): void {
    this.sock.close();
  }
}

let seq = 0;
function register(c: Client, srvPort: number, user: string, expires = 3600): { text: string; callId: string } {
  const n = ++seq;
  const callId = `dur-${user}-${n}`;
  return {
    callId,
    text:
      `REGISTER sip:127.0.0.1:${srvPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bKdur${n}\r\n` +
      `From: <sip:${user}@127.0.0.1>;tag=f${n}\r\nTo: <sip:${user}@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 REGISTER\r\n` +
      `Contact: <sip:${user}@127.0.0.1:${c.port}>\r\nExpires: ${expires}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  };
}

function invite(c: Client, srvPort: number, user: string): { text: string; callId: string } {
  const n = ++seq;
  const callId = `dur-inv-${n}`;
  return {
    callId,
    text:
      `INVITE sip:${user}@127.0.0.1:${srvPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${c.port};branch=z9hG4bKdi${n}\r\n` +
      `From: <sip:caller@x>;tag=i${n}\r\nTo: <sip:${user}@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  };
}

function config(port: number, mode: number, url: string, timerInterval = 60): string {
  return `listen=127.0.0.1
port=${port}
children=1
loadmodule "sl.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", ${mode})
modparam("usrloc", "db_url", "${url}")
modparam("usrloc", "timer_interval", ${timerInterval})
modparam("registrar", "retry_after", 7)
route{
  if (method=="REGISTER") { save("location"); break; };
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
  forward(uri:host, uri:port);
}
`;
}

async function ser(t: TestContext, dir: string, cfg: string, extra: string[] = []): Promise<SerProcess> {
  return startListening(t, ['-D', '-E', ...extra, '-f', cfg], { cwd: dir, ms: 15_000 });
}

async function crash(p: SerProcess): Promise<void> {
  process.kill(p.pid, 'SIGKILL');
  await p.waitExit(5000);
}

/** Register users[i] for every i, at most `window` in flight; every one must get 200. */
async function registerAll(c: Client, srvPort: number, users: readonly string[], window = 200): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < users.length) {
      const u = users[next++]!;
      const r = register(c, srvPort, u);
      const m = await c.request(r.text, r.callId, srvPort, 10_000);
      const st = m?.status ?? 0;
      statuses.set(st, (statuses.get(st) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return statuses;
}

/** lookup() on the server: the INVITE for `user` comes back to us with the contact as Request-URI. */
async function found(c: Client, srvPort: number, user: string): Promise<boolean> {
  c.requests.length = 0;
  const i = invite(c, srvPort, user);
  c.sock.send(Buffer.from(i.text, 'latin1'), srvPort, '127.0.0.1');
  const got = await c.nextRequest(2000);
  return got?.method === 'INVITE' && got.ruri === `sip:${user}@127.0.0.1:${c.port}`;
}

async function countRows(url: string): Promise<number> {
  const db = await openDb(url);
  try {
    return (await db.query('location', { columns: ['username'] })).length;
  } finally {
    await db.close();
  }
}

test('db_mode 1 on SQLite: 10,000 registrations survive kill -9', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'ser-ul-dur1-');
  killMatchingAfter(t, dir);
  const url = `sqlite://${path.join(dir, 'ser.db')}`;
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', config(port, 1, url));
  const c = await Client.open();
  t.after(() => c.close());

  const p = await ser(t, dir, cfg);
  const N = 10_000;
  const users = Array.from({ length: N }, (_, i) => `u${i}`);
  const started = Date.now();
  const statuses = await registerAll(c, port, users);
  const ms = Date.now() - started;
  t.diagnostic(`db_mode 1 on SQLite: ${N} REGISTERs answered in ${ms} ms (${Math.round((N * 1000) / ms)}/s, 200 in flight)`);
  assert.deepEqual([...statuses], [[200, N]], 'every REGISTER answered 200');
  await crash(p);

  assert.equal(await countRows(url), N, 'every binding is in the database');
  const loadStarted = Date.now();
  const p2 = await ser(t, dir, cfg, ['-dd']);
  t.diagnostic(`restart with 10,000 bindings to load: listening after ${Date.now() - loadStarted} ms`);
  assert.match(p2.stderr, /10000 contact\(s\) of 10000 address\(es\) of record loaded/);
  for (const i of [0, 1, 4999, 7777, N - 1, ...Array.from({ length: 15 }, () => Math.floor(Math.random() * N))]) {
    assert.ok(await found(c, port, `u${i}`), `u${i} is found after the restart`);
  }
  await crash(p2);
});

test('db_mode 2 on SQLite (timer_interval 1): what was flushed survives kill -9; at most one interval is lost', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'ser-ul-dur2-');
  killMatchingAfter(t, dir);
  const url = `sqlite://${path.join(dir, 'ser.db')}`;
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', config(port, 2, url, 1));
  const c = await Client.open();
  t.after(() => c.close());

  const p = await ser(t, dir, cfg);
  const early = Array.from({ length: 500 }, (_, i) => `early${i}`);
  assert.deepEqual([...(await registerAll(c, port, early))], [[200, early.length]]);
  await sleep(2500);
  // registered just before the crash: may be lost
  const late = Array.from({ length: 200 }, (_, i) => `late${i}`);
  assert.deepEqual([...(await registerAll(c, port, late))], [[200, late.length]]);
  await crash(p);

  const rows = await countRows(url);
  t.diagnostic(`db_mode 2: ${rows - early.length} of the ${late.length} registrations made in the last interval were flushed before the kill`);
  assert.ok(rows >= early.length && rows <= early.length + late.length, `${rows} rows`);
  const p2 = await ser(t, dir, cfg);
  for (const u of ['early0', 'early250', 'early499']) assert.ok(await found(c, port, u), `${u} is found after the restart`);
  await crash(p2);
});

// ------------------------------------------------------------------------------ outage

interface PgDb {
  readonly url: string;
  readonly name: string;
  admin(sql: string): Promise<void>;
}

async function postgres(t: TestContext): Promise<PgDb | undefined> {
  let pg: typeof import('pg');
  try {
    pg = (await import('pg')).default as unknown as typeof import('pg');
  } catch (e) {
    return skip(t, `pg is not installed: ${(e as Error).message}`);
  }
  const client = (database = 'postgres') => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database, connectionTimeoutMillis: 2000 });
  const admin = async (sql: string): Promise<void> => {
    const c = client();
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    await admin('SELECT 1');
  } catch (e) {
    return skip(t, `PostgreSQL at 127.0.0.1:5432 (postgres, trust) is not reachable: ${(e as Error).message}`);
  }
  const name = `ser_ul_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  t.after(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const s = client(name);
  await s.connect();
  for (const sql of createStatements('postgres')) await s.query(sql);
  await s.end();
  return { url: `postgres://postgres@127.0.0.1:5432/${name}`, name, admin };
}

function skip(t: TestContext, why: string): undefined {
  const msg = `SKIPPED: ${why}`;
  console.error(`\n*** ${msg} ***\n`);
  t.diagnostic(msg);
  t.skip(msg);
  return undefined;
}

/** Refuse new connections to the database and end the open ones (the server "goes away"). */
async function cut(db: PgDb): Promise<void> {
  await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
  await db.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);
}

async function restore(db: PgDb): Promise<void> {
  await db.admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
}

test('database unavailable, db_mode 1 (PostgreSQL): 500 with Retry-After, nothing half-stored; 200 again once it is back', { timeout: 90_000 }, async (t) => {
  const db = await postgres(t);
  if (!db) return;
  const dir = tempDir(t, 'ser-ul-out1-');
  killMatchingAfter(t, dir);
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', config(port, 1, db.url));
  const c = await Client.open();
  t.after(() => c.close());
  const p = await ser(t, dir, cfg);
  t.after(() => restore(db).catch(() => {}));

  assert.deepEqual([...(await registerAll(c, port, ['before']))], [[200, 1]]);
  await cut(db);
  const r = register(c, port, 'during');
  const m = await c.request(r.text, r.callId, port, 15_000);
  assert.equal(m?.status, 500, `answered ${m?.status}`);
  assert.equal(m!.header('retry-after') ? m!.value(m!.header('retry-after')!).trim() : undefined, '7');
  assert.ok(!(await found(c, port, 'during')), 'the failed registration is not in memory either');
  assert.ok(await found(c, port, 'before'), 'what was stored before is still used');

  await restore(db);
  let status = 0;
  const deadline = Date.now() + 30_000;
  while (status !== 200 && Date.now() < deadline) {
    const again = register(c, port, 'during');
    status = (await c.request(again.text, again.callId, port, 5000))?.status ?? 0;
    if (status !== 200) await sleep(500);
  }
  assert.equal(status, 200, 'accepted again once the database is back');
  assert.equal(await countRows(db.url), 2);
  // nothing corrupt: a crash and a restart find both
  await crash(p);
  await ser(t, dir, cfg);
  assert.ok(await found(c, port, 'before'));
  assert.ok(await found(c, port, 'during'));
});

test('database unavailable, db_mode 2 (PostgreSQL): 200 throughout; everything written once it is back', { timeout: 90_000 }, async (t) => {
  const db = await postgres(t);
  if (!db) return;
  const dir = tempDir(t, 'ser-ul-out2-');
  killMatchingAfter(t, dir);
  const port = await freePort();
  const cfg = writeCfg(dir, 'ser.cfg', config(port, 2, db.url, 1));
  const c = await Client.open();
  t.after(() => c.close());
  const p = await ser(t, dir, cfg);
  t.after(() => restore(db).catch(() => {}));

  assert.deepEqual([...(await registerAll(c, port, ['before']))], [[200, 1]]);
  await cut(db);
  const during = Array.from({ length: 100 }, (_, i) => `during${i}`);
  assert.deepEqual([...(await registerAll(c, port, during, 20))], [[200, during.length]], 'answered 200 while the database is away');
  await sleep(2500); // a few failed flushes
  await restore(db);
  let rows = 0;
  const deadline = Date.now() + 30_000;
  while (rows !== 1 + during.length && Date.now() < deadline) {
    await sleep(500);
    try {
      rows = await countRows(db.url);
    } catch {
      rows = 0;
    }
  }
  assert.equal(rows, 1 + during.length, 'every change written once the database is back');
  await crash(p);
  await ser(t, dir, cfg);
  for (const u of ['before', 'during0', 'during99']) assert.ok(await found(c, port, u), `${u} after the restart`);
});
