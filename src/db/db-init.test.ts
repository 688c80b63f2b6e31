// ser-dbinit without a database server: the command line, passwords, SQLite and dbtext, and
// what it says when the server is not there. (Against MariaDB and PostgreSQL: test/db/mysql.test.ts
// and test/db/postgres.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, dbinitMain, dropDatabase, USAGE, type DbInitIo } from './db-init.js';
import { DbError } from './api.js';
import { TABLES } from './schema.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'ser-dbinit-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function io(o: { env?: Record<string, string>; answers?: string[] } = {}): DbInitIo & { text: () => string; asked: string[] } {
  let buf = '';
  const asked: string[] = [];
  const answers = o.answers ? [...o.answers] : undefined;
  return {
    out: (t) => { buf += t; },
    err: (t) => { buf += t; },
    env: o.env ?? {},
    ask: answers ? async (q) => {
      asked.push(q);
      const a = answers.shift();
      if (a === undefined) throw new Error(`unexpected question ${q}`);
      return a;
    } : undefined,
    text: () => buf,
    asked,
  };
}

test('ser-dbinit: usage, unknown commands and options exit 2', async () => {
  const h = io();
  assert.equal(await dbinitMain(['-h'], h), 0);
  assert.equal(h.text(), USAGE);
  assert.match(USAGE, /ser-dbinit create <db_url> \[--rw-user ser\]/);
  for (const argv of [[], ['frobnicate', 'sqlite:///x'], ['create'], ['create', 'sqlite:///x', '--bogus'], ['create', 'sqlite:///x', '--rw-user'], ['create', 'a', 'b']]) {
    const e = io();
    assert.equal(await dbinitMain(argv, e), 2, argv.join(' '));
    assert.match(e.text(), /^ser-dbinit: .*\nusage:/);
  }
});

test('ser-dbinit: a bad db_url, database name or account name is refused with what is expected', async () => {
  const a = io();
  assert.equal(await dbinitMain(['create', 'oracle://x/y'], a), 1);
  assert.match(a.text(), /unknown scheme "oracle:"; expected one of: sqlite/);
  const b = io();
  assert.equal(await dbinitMain(['create', 'mysql://root@127.0.0.1:1/ser-db', '--no-accounts'], b), 1);
  assert.match(b.text(), /bad database name "ser-db"/);
  const c = io({ env: { SER_RW_PW: 'a', SER_RO_PW: 'b' } });
  assert.equal(await dbinitMain(['create', 'mysql://root@127.0.0.1:1/ser', '--rw-user', "ser'; --"], c), 1);
  assert.match(c.text(), /bad read-write account name/);
  await assert.rejects(createDatabase('mysql://root@127.0.0.1:1/ser', { accounts: { rwUser: 'ser', rwPassword: 'x', roUser: 'ser', roPassword: 'y' } }),
    (e: unknown) => e instanceof DbError && /must differ/.test(e.message));
});

test('ser-dbinit create: no server there says so, and what to check; nothing hangs', async () => {
  for (const [url, re] of [
    ['mysql://root@127.0.0.1:1/ser', /cannot connect to mysql at 127\.0\.0\.1:1 as root: connect ECONNREFUSED 127\.0\.0\.1:1 — is the server running\? check db_url \(mysql:\/\/root@127\.0\.0\.1:1\/ser\)/],
    ['sql://root:secret@127.0.0.1:1/ser', /cannot connect to mysql at 127\.0\.0\.1:1 as root: .* \(sql:\/\/root:\*\*\*@127\.0\.0\.1:1\/ser\)/],
    ['postgres://postgres@127.0.0.1:1/ser', /cannot connect to postgres at 127\.0\.0\.1:1 as postgres: .*ECONNREFUSED.* — is the server running\? check db_url/],
  ] as const) {
    const h = io({ env: { SER_RW_PW: 'rw', SER_RO_PW: 'ro' } });
    const t0 = Date.now();
    assert.equal(await dbinitMain(['create', url], h), 1);
    assert.ok(Date.now() - t0 < 3000);
    assert.match(h.text(), re);
    assert.ok(!h.text().includes('secret'), 'no password in the messages');
  }
});

test('ser-dbinit create: passwords from the options, else the environment, else asked twice on the terminal', async () => {
  // without either: asked, twice each, an empty one and a mismatch asked again
  const h = io({ answers: ['', 'rw1', 'rw2', 'rw1', 'rw1', 'ro1', 'ro1'] });
  assert.equal(await dbinitMain(['create', 'mysql://root@127.0.0.1:1/ser'], h), 1);
  assert.deepEqual(h.asked, [
    "password for the account 'ser': ", "password for the account 'ser': ", "password for the account 'ser' again: ",
    "password for the account 'ser': ", "password for the account 'ser' again: ",
    "password for the account 'serro': ", "password for the account 'serro' again: ",
  ]);
  assert.match(h.text(), /an empty password is not accepted/);
  assert.match(h.text(), /the two passwords differ/);
  assert.match(h.text(), /cannot connect to mysql/);
  // options and environment: nothing asked
  const g = io({ env: { SER_RO_PW: 'ro' }, answers: [] });
  assert.equal(await dbinitMain(['create', 'mysql://root@127.0.0.1:1/ser', '--rw-password', 'rw', '--ro-user', 'reader'], g), 1);
  assert.deepEqual(g.asked, []);
  // no terminal, no password: how to give one
  const n = io({ env: { SER_RW_PW: 'rw' } });
  assert.equal(await dbinitMain(['create', 'postgres://postgres@127.0.0.1:1/ser', '--ro-user', 'reader'], n), 1);
  assert.match(n.text(), /no password for the account 'reader': give it with --ro-password or SER_RO_PW, or run ser-dbinit on a terminal/);
  // --no-accounts: none needed
  const x = io();
  assert.equal(await dbinitMain(['create', 'postgres://postgres@127.0.0.1:1/ser', '--no-accounts'], x), 1);
  assert.doesNotMatch(x.text(), /password for/);
});

test('ser-dbinit create sqlite: the directory, the file and every table; twice is harmless; drop asks, --yes removes it', async () => {
  const path = join(tmp, 'a', 'b', 'ser.db');
  const h = io();
  assert.equal(await dbinitMain(['create', `sqlite://${path}`], h), 0, h.text());
  assert.ok(existsSync(path));
  assert.match(h.text(), /created tables version, subscriber/);
  const again = io();
  assert.equal(await dbinitMain(['create', `sqlite://${path}`], again), 0);
  assert.match(again.text(), /every table already there/);
  const { openSqlite } = await import('./sqlite.js');
  const db = await openSqlite(`sqlite://${path}`);
  assert.equal((await db.query('version')).length, TABLES.length - 1);
  await db.close();
  // drop: asked on a terminal; "n" keeps it
  const no = io({ answers: ['n'] });
  assert.equal(await dbinitMain(['drop', `sqlite://${path}`], no), 1);
  assert.match(no.asked[0]!, /^drop the file .*ser\.db \(sqlite:.*\)\? \[y\/N\] $/);
  assert.ok(existsSync(path));
  const yes = io({ answers: ['y'] });
  assert.equal(await dbinitMain(['drop', `sqlite://${path}`], yes), 0);
  assert.ok(!existsSync(path));
  const none = io();
  assert.equal(await dbinitMain(['drop', `sqlite://${path}`, '--yes'], none), 0);
  assert.match(none.text(), /was not there/);
});

test('ser-dbinit create dbtext: a file per table with its header line and the version rows; drop removes only table files', async () => {
  const dir = join(tmp, 'dbtext');
  await createDatabase(`dbtext://${dir}`);
  for (const t of TABLES) assert.ok(existsSync(join(dir, t.name)), t.name);
  const version = readFileSync(join(dir, 'version'), 'utf8').split('\n');
  assert.match(version[0]!, /^table_name\(str\) table_version\(int\)$/);
  assert.ok(version.includes('location:3'));
  writeFileSync(join(dir, 'README'), 'keep me');
  await createDatabase(`dbtext://${dir}`);
  await dropDatabase(`dbtext://${dir}`);
  assert.ok(!existsSync(join(dir, 'location')));
  assert.ok(existsSync(join(dir, 'README')));
});

test('ser-dbinit: drop without --yes and without a terminal refuses', async () => {
  const h = io();
  assert.equal(await dbinitMain(['drop', 'mysql://root@127.0.0.1:1/ser'], h), 1);
  assert.match(h.text(), /refusing to drop mysql:\/\/root@127\.0\.0\.1:1\/ser without --yes \(there is no terminal to ask\)/);
});

test('bin/ser-dbinit.js runs the command (exit status and messages)', () => {
  const bin = join(ROOT, 'bin', 'ser-dbinit.js');
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage:\n  ser-dbinit create <db_url>/);
  const fail = spawnSync(process.execPath, [bin, 'create', 'mysql://root@127.0.0.1:1/ser', '--no-accounts'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(fail.status, 1);
  assert.match(fail.stderr, /^ser-dbinit: cannot connect to mysql at 127\.0\.0\.1:1 as root: .* — is the server running\? check db_url/m);
  const bad = spawnSync(process.execPath, [bin, 'create'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(bad.status, 2);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin['ser-dbinit'], 'bin/ser-dbinit.js');
});
