import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Db, Row } from '../../src/db/api.js';
import { openDb } from '../../src/db/open.js';
import { createStatements } from '../../src/db/schema.js';
import type { Usrloc } from '../../src/modules/usrloc/usrloc.js';
import type { SipMessage } from '../../src/sip/parser/message.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// usrloc's database modes over real servers on loopback and real databases: SQLite (a temporary
// file), dbtext (a temporary directory), and MariaDB (127.0.0.1:3306, root) and PostgreSQL
// (127.0.0.1:5432, postgres) when they answer, each in a fresh database dropped afterwards.
// For db_mode 1, 2 and 3: REGISTERs become rows with SER's columns; a second server on the same
// database finds the bindings (INVITE forwarded to the registered contact); in db_mode 3 the
// second server sees what the first registers while both run.

let seq = 0;
// a User-Agent with non-ASCII text, sent as its UTF-8 bytes (UdpPeer sends strings byte per char)
const UA = 'usrloc-db-test (Jürgen)';
const UA_BYTES = Buffer.from(UA, 'utf8').toString('latin1');

function register(peer: UdpPeer, srvPort: number, user: string, contacts: string[], extra = ''): string {
  const n = ++seq;
  return (
    `REGISTER sip:127.0.0.1:${srvPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKreg${n}\r\n` +
    `From: <sip:${user}@127.0.0.1:${srvPort}>;tag=f${n}\r\nTo: <sip:${user}@127.0.0.1:${srvPort}>\r\nCall-ID: reg-${user}-${n}@t\r\n` +
    `CSeq: ${n} REGISTER\r\n` +
    contacts.map((c) => `Contact: ${c}\r\n`).join('') +
    extra +
    `User-Agent: ${UA_BYTES}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

function invite(peer: UdpPeer, ruri: string): string {
  const n = ++seq;
  return (
    `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKinv${n}\r\n` +
    `From: <sip:caller@x>;tag=i${n}\r\nTo: <${ruri}>\r\nCall-ID: inv-${n}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

/** Next message that is not a provisional response. */
async function final(peer: UdpPeer, ms = 3000): Promise<SipMessage> {
  for (;;) {
    const m = await peer.expect(ms);
    if (m.isRequest || m.status >= 200) return m;
  }
}

function config(mode: number, url: string): string {
  return `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
modparam("usrloc", "db_mode", ${mode})
modparam("usrloc", "db_url", "${url}")
modparam("usrloc", "timer_interval", 1)
route{
  if (method=="REGISTER") { save("location"); break; };
  if (lookup("aliases")) { if (!t_relay()) { sl_reply_error(); }; break; };
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
  if (!t_relay()) { sl_reply_error(); };
}
`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitFor<T>(f: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(50);
  }
}

// ------------------------------------------------------------------------------ databases

interface TestDb {
  readonly name: string;
  readonly url: string;
  /** several servers (processes) see each other's writes (dbtext caches its files per process) */
  readonly shared: boolean;
  drop(): Promise<void>;
}

type Provider = (t: TestContext) => Promise<TestDb | string>;

const sqliteDb: Provider = async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-ul-sqlite-'));
  return { name: 'sqlite', url: `sqlite://${path.join(dir, 'ser.db')}`, shared: true, drop: async () => rmSync(dir, { recursive: true, force: true }) };
};

const dbtextDb: Provider = async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-ul-dbtext-'));
  return { name: 'dbtext', url: `dbtext://${dir}`, shared: false, drop: async () => rmSync(dir, { recursive: true, force: true }) };
};

const mariaDb: Provider = async () => {
  let mysql: typeof import('mysql2/promise');
  try {
    mysql = await import('mysql2/promise');
  } catch (e) {
    return `mysql2 is not installed: ${(e as Error).message}`;
  }
  let conn;
  try {
    conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', connectTimeout: 2000 });
  } catch (e) {
    return `MariaDB at 127.0.0.1:3306 (root, no password) is not reachable: ${(e as Error).message}`;
  }
  const name = `ser_ul_${randomBytes(4).toString('hex')}`;
  await conn.query(`CREATE DATABASE ${name}`);
  // the schema, as ser-dbinit (SER's ser_mysql.sh) makes it
  await conn.query(`USE ${name}`);
  for (const sql of createStatements('mysql')) await conn.query(sql);
  await conn.end();
  return {
    name: 'mariadb',
    url: `mysql://root@127.0.0.1:3306/${name}`,
    shared: true,
    drop: async () => {
      const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
};

const postgresDb: Provider = async () => {
  let pg: typeof import('pg');
  try {
    pg = (await import('pg')).default as unknown as typeof import('pg');
  } catch (e) {
    return `pg is not installed: ${(e as Error).message}`;
  }
  const admin = () => new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
  const c = admin();
  try {
    await c.connect();
  } catch (e) {
    return `PostgreSQL at 127.0.0.1:5432 (postgres, trust) is not reachable: ${(e as Error).message}`;
  }
  const name = `ser_ul_${randomBytes(4).toString('hex')}`;
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const s = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: name });
  await s.connect();
  for (const sql of createStatements('postgres')) await s.query(sql);
  await s.end();
  return {
    name: 'postgres',
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    shared: true,
    drop: async () => {
      const d = admin();
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
};

/** The database, or the test is skipped with a loud message (never passed). */
async function database(t: TestContext, p: Provider, label: string): Promise<TestDb | undefined> {
  const d = await p(t);
  if (typeof d === 'string') {
    const msg = `SKIPPED (${label}): ${d}`;
    console.error(`\n*** ${msg} ***\n`);
    t.diagnostic(msg);
    t.skip(msg);
    return undefined;
  }
  t.after(() => d.drop());
  return d;
}

/** Opens the database the way the server does, to look at its rows. */
async function look(t: TestContext, d: TestDb): Promise<Db> {
  const db = await openDb(d.url);
  t.after(() => db.close());
  return db;
}

async function rowsOf(db: Db, user: string): Promise<Row[]> {
  return db.query('location', { where: [{ col: 'username', value: user }] });
}

// ------------------------------------------------------------------------------ the scenario

async function server(t: TestContext, mode: number, d: TestDb): Promise<TestServer> {
  const srv = await startServer(config(mode, d.url));
  let stopped = false;
  const stop = srv.stop;
  srv.stop = async () => {
    if (stopped) return;
    stopped = true;
    await stop();
  };
  t.after(() => srv.stop());
  return srv;
}

async function scenario(t: TestContext, mode: 1 | 2 | 3, provider: Provider, label: string): Promise<void> {
  const d = await database(t, provider, label);
  if (!d) return;
  const phone = await UdpPeer.open();
  const caller = await UdpPeer.open();
  t.after(() => {
    phone.close();
    caller.close();
  });
  const a = await server(t, mode, d);
  const db = await look(t, d);

  // a REGISTER becomes a row with SER's columns
  const contact = `sip:alice@127.0.0.1:${phone.port}`;
  const started = Math.floor(Date.now() / 1000);
  phone.send(register(phone, a.port, 'alice', [`<${contact}>;q=0.7`], 'Expires: 600\r\n'), a.port);
  const cseq = seq;
  const ok = await final(phone);
  assert.equal(ok.status, 200, `REGISTER answered ${ok.status}`);
  assert.equal(ok.contacts.length, 1);
  if (mode === 2) {
    // written by the timer (timer_interval 1)
    assert.equal(d.shared ? (await rowsOf(db, 'alice')).length : 0, 0, 'db_mode 2 writes later, not before the reply');
  }
  let rows: Row[] = [];
  if (d.shared) {
    rows = (await waitFor(async () => {
      const r = await rowsOf(db, 'alice');
      return r.length ? r : undefined;
    }, mode === 2 ? 4000 : 0)) ?? [];
    assert.equal(rows.length, 1, 'one row for alice');
    const r = rows[0]!;
    assert.equal(r.username, 'alice');
    assert.equal(r.domain, '');
    assert.equal(r.contact, contact);
    assert.equal(Number(r.q), 0.7);
    assert.match(String(r.callid), /^reg-alice-\d+@t$/);
    assert.equal(Number(r.cseq), cseq);
    assert.equal(r.user_agent, UA, 'the User-Agent is stored as text, not byte by byte');
    assert.equal(r.received, `sip:127.0.0.1:${phone.port}`);
    const exp = r.expires instanceof Date ? r.expires.getTime() / 1000 : Date.parse(String(r.expires).replace(' ', 'T') + 'Z') / 1000;
    assert.ok(Math.abs(exp - (started + 600)) <= 3, `expires ${String(r.expires)} is about now + 600 s`);
  }

  if (mode === 3) {
    if (d.shared) {
      // a second server on the same database, both running: it sees what the first registers
      const b = await server(t, mode, d);
      caller.send(invite(caller, `sip:alice@127.0.0.1:${b.port}`), b.port);
      const got = await final(phone);
      assert.equal(got.method, 'INVITE', 'server B forwards the INVITE to the contact registered at A');
      assert.equal(got.ruri, contact);
      // a registration made at A after B started
      const phone2 = await UdpPeer.open();
      t.after(() => phone2.close());
      const c2 = `sip:bob@127.0.0.1:${phone2.port}`;
      phone2.send(register(phone2, a.port, 'bob', [`<${c2}>`]), a.port);
      assert.equal((await final(phone2)).status, 200);
      caller.send(invite(caller, `sip:bob@127.0.0.1:${b.port}`), b.port);
      const got2 = await final(phone2);
      assert.equal(got2.method, 'INVITE');
      assert.equal(got2.ruri, c2);
      // unregistering at B removes the row at once; A does not find alice any more
      phone.send(register(phone, b.port, 'alice', [`<${contact}>;expires=0`]), b.port);
      assert.equal((await final(phone)).status, 200);
      assert.equal((await rowsOf(db, 'alice')).length, 0, 'the row is gone');
      caller.send(invite(caller, `sip:alice@127.0.0.1:${a.port}`), a.port);
      assert.equal((await final(caller)).status, 404, 'A reads the database: alice is gone');
      return;
    }
    t.diagnostic(`${label}: dbtext keeps its files in memory per process, so two servers cannot share it while both run; checked one after the other`);
  }

  // a second server on the same database (after the first stopped) finds the binding
  await a.stop();
  const b = await server(t, mode, d);
  caller.send(invite(caller, `sip:alice@127.0.0.1:${b.port}`), b.port);
  const got = await final(phone);
  assert.equal(got.method, 'INVITE', 'the restarted server forwards to the stored contact');
  assert.equal(got.ruri, contact);
  // and removing it reaches the database (db_mode 2: with the next flush)
  phone.send(register(phone, b.port, 'alice', [`<${contact}>;expires=0`]), b.port);
  assert.equal((await final(phone)).status, 200);
  if (d.shared) {
    const gone = await waitFor(async () => ((await rowsOf(db, 'alice')).length === 0 ? true : undefined), mode === 2 ? 4000 : 0);
    assert.equal(gone, true, 'the row is deleted');
  } else {
    await b.stop();
    const again = await server(t, mode, d);
    caller.send(invite(caller, `sip:alice@127.0.0.1:${again.port}`), again.port);
    assert.equal((await final(caller)).status, 404, 'the delete reached the files');
  }
}

const PROVIDERS: [string, Provider][] = [
  ['sqlite', sqliteDb],
  ['dbtext', dbtextDb],
  ['mariadb', mariaDb],
  ['postgres', postgresDb],
];

for (const [name, provider] of PROVIDERS) {
  for (const mode of [1, 2, 3] as const) {
    test(`db_mode ${mode} on ${name}: REGISTER -> rows with SER's columns; a second server finds the bindings`, { timeout: 30_000 }, (t) =>
      scenario(t, mode, provider, `${name}, db_mode ${mode}`),
    );
  }
}

// ------------------------------------------------------------------------------ more

test('hostile REGISTERs change nothing in the database (db_mode 1, 2, 3 on SQLite)', { timeout: 30_000 }, async (t) => {
  for (const mode of [1, 2, 3]) {
    const d = (await sqliteDb(t)) as TestDb;
    t.after(() => d.drop());
    const srv = await server(t, mode, d);
    const db = await look(t, d);
    const peer = await UdpPeer.open();
    t.after(() => peer.close());
    peer.send(register(peer, srv.port, 'alice', [`<sip:alice@127.0.0.1:${peer.port}>`]), srv.port);
    assert.equal((await final(peer)).status, 200);
    await (srv.server.states.get('usrloc') as Usrloc).flush();
    const before = JSON.stringify(await db.query('location', { columns: ['username', 'contact', 'cseq'] }));
    const cases: [string, string[], string, number][] = [
      ['a malformed Contact', ['<sip:alice@127.0.0.1:5060'], '', 400],
      ['* with a non-zero Expires', ['*'], 'Expires: 60\r\n', 400],
      ['* with another contact', ['*', '<sip:x@127.0.0.1>'], 'Expires: 0\r\n', 400],
      ['a bad q', ['<sip:alice@127.0.0.1:5070>;q=7'], '', 400],
    ];
    for (const [what, contacts, extra, status] of cases) {
      peer.send(register(peer, srv.port, 'alice', contacts, extra), srv.port);
      assert.equal((await final(peer)).status, status, `db_mode ${mode}: ${what}`);
    }
    await (srv.server.states.get('usrloc') as Usrloc).flush();
    assert.equal(JSON.stringify(await db.query('location', { columns: ['username', 'contact', 'cseq'] })), before, `db_mode ${mode}: the table is unchanged`);
    // SQL metacharacters are data
    const evil = "o'neil;--";
    peer.send(register(peer, srv.port, encodeURIComponent(evil).replace(/'/g, '%27'), [`<sip:x'y@127.0.0.1:${peer.port}>`]), srv.port);
    assert.equal((await final(peer)).status, 200, `db_mode ${mode}: an AOR with a quote is registered`);
    await (srv.server.states.get('usrloc') as Usrloc).flush();
    const r = await rowsOf(db, evil);
    assert.equal(r.length, 1, `db_mode ${mode}: stored as given`);
    assert.equal(r[0]!.contact, `sip:x'y@127.0.0.1:${peer.port}`);
    await srv.stop();
  }
});

test('the usrloc API works in every db_mode (add, show, rm; stats; flush) on SQLite', { timeout: 30_000 }, async (t) => {
  for (const mode of [0, 1, 2, 3]) {
    const d = (await sqliteDb(t)) as TestDb;
    t.after(() => d.drop());
    const srv = await server(t, mode, d);
    const ul = srv.server.states.get('usrloc') as Usrloc;
    assert.equal(ul.dbMode, mode);
    const added = await ul.addPermanentAsync('location', 'newuser', 'sip:666@gateway.foo.bar');
    assert.ok(added?.permanent, `db_mode ${mode}: ul add`);
    assert.equal((await ul.addContactAsync('location', 'newuser', 'sip:temp@192.0.2.1', { expires: 100, q: 0.5 }))?.q, 0.5);
    const dump = await ul.dumpAsync();
    const rec = dump.find((x) => x.table === 'location')!.records.find((r) => r.aor === 'newuser')!;
    assert.deepEqual(rec.contacts.map((c) => c.uri).sort(), ['sip:666@gateway.foo.bar', 'sip:temp@192.0.2.1']);
    assert.equal((await ul.statsAsync()).find((s) => s.table === 'location')!.contacts, 2);
    await ul.flush();
    if (mode > 0) {
      const db = await look(t, d);
      const rows = await rowsOf(db, 'newuser');
      assert.equal(rows.length, 2, `db_mode ${mode}: written`);
      const perm = rows.find((r) => r.contact === 'sip:666@gateway.foo.bar')!;
      assert.equal(perm.expires, null, 'a permanent contact has no expiry');
      const st = ul.dbStats()!;
      assert.equal(st.dbMode, mode);
      assert.ok(st.writes >= 2);
      assert.equal(st.failures, 0);
      assert.equal(st.dirty, 0);
      assert.ok(st.lastFlush !== undefined);
    } else {
      assert.equal(ul.dbStats(), undefined);
    }
    assert.equal(await ul.removeContactAsync('location', 'newuser', 'sip:temp@192.0.2.1'), 'deleted');
    assert.equal(await ul.removeRecordAsync('location', 'newuser'), true);
    await ul.flush();
    assert.equal((await ul.dumpAsync()).find((x) => x.table === 'location')!.records.length, 0);
    if (mode > 0) assert.equal((await rowsOf(await look(t, d), 'newuser')).length, 0, `db_mode ${mode}: deleted`);
    await srv.stop();
  }
});

test('aliases (Example 3-7) persist across a restart in db_mode 1', { timeout: 20_000 }, async (t) => {
  const d = (await sqliteDb(t)) as TestDb;
  t.after(() => d.drop());
  const callee = await UdpPeer.open();
  const caller = await UdpPeer.open();
  t.after(() => {
    callee.close();
    caller.close();
  });
  const a = await server(t, 1, d);
  const ul = a.server.states.get('usrloc') as Usrloc;
  assert.ok(await ul.addPermanentAsync('aliases', '1234', `sip:john.doe@127.0.0.1:${callee.port}`));
  await a.stop();
  const b = await server(t, 1, d);
  caller.send(invite(caller, `sip:1234@127.0.0.1:${b.port}`), b.port);
  const got = await final(callee);
  assert.equal(got.method, 'INVITE');
  assert.equal(got.ruri, `sip:john.doe@127.0.0.1:${callee.port}`);
});

test('expired rows are not loaded, not found in db_mode 3, and deleted by the timer', { timeout: 20_000 }, async (t) => {
  for (const mode of [1, 3]) {
    const d = (await sqliteDb(t)) as TestDb;
    t.after(() => d.drop());
    const db = await openDb(d.url);
    const past = new Date(Date.now() - 60_000);
    await db.insert('location', { username: 'old', domain: '', contact: 'sip:old@127.0.0.1:9', expires: past, q: null, callid: 'c', cseq: 1, flags: 0, user_agent: '' });
    await db.close();
    const srv = await server(t, mode, d);
    const ul = srv.server.states.get('usrloc') as Usrloc;
    assert.equal((await ul.dumpAsync()).find((x) => x.table === 'location')!.records.length, 0, `db_mode ${mode}: not loaded`);
    const caller = await UdpPeer.open();
    t.after(() => caller.close());
    caller.send(invite(caller, `sip:old@127.0.0.1:${srv.port}`), srv.port);
    assert.equal((await final(caller)).status, 404, `db_mode ${mode}: an expired binding is not used`);
    const look2 = await look(t, d);
    const gone = await waitFor(async () => ((await rowsOf(look2, 'old')).length === 0 ? true : undefined), 3000);
    assert.equal(gone, true, `db_mode ${mode}: the timer deletes the expired row`);
    await srv.stop();
  }
});
