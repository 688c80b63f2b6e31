import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../src/db/open.js';
import { tempDir, writeCfg, type Ctx } from './cli-helpers.js';
import { serctl } from './serctl-helpers.js';

// serctl's database commands, run as the real command against a temporary SQLite database:
// the transcripts of the admin guide §3.2 (add/passwd/rm, alias, acl) and showdb, db create.

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** A temp dir with SER_DB_URL on its own SQLite file and no FIFO anybody reads. */
function setup(t: Ctx): { dir: string; env: Record<string, string>; dbUrl: string } {
  const dir = tempDir(t, 'serctl-');
  const dbUrl = `sqlite://${path.join(dir, 'ser.db')}`;
  return { dir, dbUrl, env: { SER_DB_URL: dbUrl, SIP_DOMAIN: 'foo.bar', SER_FIFO: path.join(dir, 'no_fifo') } };
}

test('serctl, serctl help: the usage of SER 0.8 serctl, exit 0; an unknown command exits 2 and says what to do', async (t) => {
  const { dir } = setup(t);
  for (const args of [[], ['help'], ['-h']]) {
    const r = await serctl(args, { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^usage:/);
    for (const cmd of ['serctl add', 'serctl ul show', 'serctl ps', 'serctl monitor', 'serctl start', 'serctl ping', 'serctl cisco_restart', 'serctl db create', 'SIP_DOMAIN', 'SER_FIFO']) {
      assert.ok(r.stdout.includes(cmd), cmd);
    }
  }
  const bad = await serctl(['frobnicate'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
  assert.match(bad.stderr, /serctl help/);
  const few = await serctl(['add', 'x'], { cwd: dir, env: { SIP_DOMAIN: 'foo.bar' } });
  assert.equal(few.status, 2);
  assert.match(few.stderr, /serctl add <username> <password> <email>/);
});

test('serctl add without SIP_DOMAIN: exit 1, saying to export SIP_DOMAIN', async (t) => {
  const { dir, env } = setup(t);
  const { SIP_DOMAIN: _d, ...noDomain } = env;
  const r = await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env: noDomain });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /SIP_DOMAIN is not set: export SIP_DOMAIN/);
});

test('a mysql db_url without password, no PW, stdin not a terminal: a clear error naming PW', async (t) => {
  const { dir, env } = setup(t);
  const r = await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env: { ...env, SER_DB_URL: 'mysql://ser@127.0.0.1:1/ser' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /set PW/);
});

test('add, passwd, rm as the admin guide transcript; ha1 and ha1b as RFC 2617 with SIP_DOMAIN as realm', async (t) => {
  const { dir, env, dbUrl } = setup(t);
  const add = await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env });
  assert.equal(add.status, 0, add.stderr);
  assert.equal(add.stdout, 'new user added\n');
  const again = await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /user already exists/);

  const db = await openDb(dbUrl);
  t.after(() => db.close());
  const rowOf = async () => (await db.query('subscriber', { where: [{ col: 'username', value: 'newuser' }] }))[0];
  let row = await rowOf();
  assert.ok(row);
  assert.equal(row['domain'], 'foo.bar');
  assert.equal(row['email_address'], 'newuser@foo.bar');
  assert.equal(row['ha1'], md5('newuser:foo.bar:secret'));
  assert.equal(row['ha1b'], md5('newuser@foo.bar:foo.bar:secret'));

  const pw = await serctl(['passwd', 'newuser', 'newpassword'], { cwd: dir, env });
  assert.equal(pw.status, 0, pw.stderr);
  assert.equal(pw.stdout, 'password change succeeded\n');
  row = await rowOf();
  assert.equal(row!['ha1'], md5('newuser:foo.bar:newpassword'));
  assert.equal(row!['ha1b'], md5('newuser@foo.bar:foo.bar:newpassword'));
  assert.equal(row!['password'], 'newpassword');

  const rm = await serctl(['rm', 'newuser'], { cwd: dir, env });
  assert.equal(rm.status, 0, rm.stderr);
  assert.equal(rm.stdout, 'user removed\n');
  assert.equal(await rowOf(), undefined);
  const rm2 = await serctl(['rm', 'newuser'], { cwd: dir, env });
  assert.equal(rm2.status, 1);
  assert.match(rm2.stderr, /non-existent user/);
});

test('mail: mail(1) (SER_MAIL) gets the subject, the address after --, the text from stdin; odd addresses are refused', async (t) => {
  const { dir, env, dbUrl } = setup(t);
  assert.equal((await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env })).status, 0);
  // a mail(1) that writes down what it was given
  const mailer = path.join(dir, 'mailer.sh');
  writeFileSync(mailer, '#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\ncat > "$0.body"\nexit ${MAILER_EXIT:-0}\n', { mode: 0o755 });
  const menv = { ...env, SER_MAIL: mailer };

  const sent = await serctl(['mail', 'newuser'], { cwd: dir, env: menv, input: 'Your phone is ready.\n' });
  assert.equal(sent.status, 0, sent.stderr);
  assert.equal(sent.stdout, 'Write email to newuser: newuser@foo.bar now ... (end with Ctrl-D)\nmessage sent\n');
  assert.equal(readFileSync(`${mailer}.args`, 'utf8'), '-s\nMessage from foo.bar SIP admin\n--\nnewuser@foo.bar\n');
  assert.equal(readFileSync(`${mailer}.body`, 'utf8'), 'Your phone is ready.\n');

  const failed = await serctl(['mail', 'newuser'], { cwd: dir, env: { ...menv, MAILER_EXIT: '1' } });
  assert.equal(failed.status, 1);
  assert.match(failed.stdout, /sending message failed\n$/);

  const missing = await serctl(['mail', 'newuser'], { cwd: dir, env: { ...env, SER_MAIL: path.join(dir, 'no-such-mail') } });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot run '.*no-such-mail' \(ENOENT\): install a mail\(1\) command .* the address is newuser@foo.bar/);

  const nobody = await serctl(['mail', 'nobody'], { cwd: dir, env: menv });
  assert.equal(nobody.status, 1);
  assert.match(nobody.stderr, /non-existent user: nobody@foo.bar/);

  // an address that mail(1) would take for an option: refused by add, and not sent when the table has one
  const opt = await serctl(['add', 'evil', 'secret', '--exec=!sh'], { cwd: dir, env });
  assert.equal(opt.status, 2);
  assert.match(opt.stderr, /bad e-mail address '--exec=!sh'/);
  const db = await openDb(dbUrl);
  t.after(() => db.close());
  await db.update('subscriber', [{ col: 'username', value: 'newuser' }], { email_address: '-E!touch pwned' });
  rmSync(`${mailer}.args`);
  const refused = await serctl(['mail', 'newuser'], { cwd: dir, env: menv });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /newuser@foo.bar: bad e-mail address '-E!touch pwned'.*; not sent/);
  assert.equal(existsSync(`${mailer}.args`), false, 'mail(1) was not run');
});

test('alias add, show, rm without a running ser: the aliases table, in the transcript shapes', async (t) => {
  const { dir, env } = setup(t);
  const add = await serctl(['alias', 'add', '1234', 'sip:john.doe@foo.bar'], { cwd: dir, env });
  assert.equal(add.status, 0, add.stderr);
  assert.equal(add.stdout, "sip:john.doe@foo.bar\n200 Added to table\n('1234','sip:john.doe@foo.bar') to 'aliases'\n");
  assert.match(add.stderr, /nobody reads .*no_fifo/);
  const show = await serctl(['alias', 'show', '1234'], { cwd: dir, env });
  assert.equal(show.status, 0);
  assert.equal(show.stdout, '<sip:john.doe@foo.bar>;q=1.00;expires=1073741823\n');
  const rm = await serctl(['alias', 'rm', '1234'], { cwd: dir, env });
  assert.equal(rm.status, 0);
  assert.equal(rm.stdout, '200 user (aliases, 1234) deleted\n');
  const gone = await serctl(['alias', 'show', '1234'], { cwd: dir, env });
  assert.equal(gone.status, 1);
  assert.match(gone.stdout, /404 Username 1234 in table aliases not found/);
  const badUri = await serctl(['alias', 'add', 'john', 'john.doe'], { cwd: dir, env });
  assert.equal(badUri.status, 2);
  assert.match(badUri.stderr, /john\.doe is not a valid URI/);
});

test('acl grant, show, revoke: the grp table as a mysql table; unknown groups are refused', async (t) => {
  const { dir, env } = setup(t);
  assert.equal((await serctl(['add', 'john', 'pw', 'john@foo.bar'], { cwd: dir, env })).status, 0);
  const grant = await serctl(['acl', 'grant', 'john', 'int'], { cwd: dir, env });
  assert.equal(grant.status, 0, grant.stderr);
  const lines = grant.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  assert.match(lines[0]!, /^\+-+\+-+\+-+\+-+\+$/);
  assert.match(lines[1]!, /^\| username \| domain +\| grp \| last_modified +\|$/);
  assert.match(lines[3]!, /^\| john +\| foo\.bar \| int \| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \|$/);
  const bad = await serctl(['acl', 'grant', 'john', 'bogus'], { cwd: dir, env });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /Invalid privilege: bogus ignored/);
  assert.equal((await serctl(['acl', 'grant', 'john', 'ld'], { cwd: dir, env })).status, 0);
  const show = await serctl(['acl', 'show', 'john'], { cwd: dir, env });
  assert.equal(show.status, 0);
  assert.match(show.stdout, /\| john +\| foo\.bar \| int \|/);
  assert.match(show.stdout, /\| john +\| foo\.bar \| ld +\|/);
  const revoke = await serctl(['acl', 'revoke', 'john', 'int'], { cwd: dir, env });
  assert.equal(revoke.status, 0, revoke.stderr);
  assert.doesNotMatch(revoke.stdout, /\| int /);
  assert.match(revoke.stdout, /\| ld +\|/);
  assert.equal((await serctl(['acl', 'revoke', 'john'], { cwd: dir, env })).status, 0);
  assert.equal((await serctl(['acl', 'show'], { cwd: dir, env })).stdout, '');
  const nobody = await serctl(['acl', 'grant', 'nobody', 'int'], { cwd: dir, env });
  assert.equal(nobody.status, 1);
  assert.match(nobody.stderr, /non-existent user/);
});

test('showdb: the location rows flushed to the database, with the subscriber e-mail', async (t) => {
  const { dir, env, dbUrl } = setup(t);
  assert.equal((await serctl(['add', 'joe', 'pw', 'joe@foo.bar'], { cwd: dir, env })).status, 0);
  const db = await openDb(dbUrl);
  await db.insert('location', { username: 'joe', domain: '', contact: 'sip:joe@192.0.2.1:5060', expires: new Date(Date.now() + 3600_000), q: 0.5, callid: 'abc@192.0.2.1', cseq: 7 });
  await db.close();
  const all = await serctl(['showdb'], { cwd: dir, env });
  assert.equal(all.status, 0, all.stderr);
  assert.match(all.stdout, /\| username \| email_address \| callid +\|/);
  assert.match(all.stdout, /\| joe +\| joe@foo\.bar +\| abc@192\.0\.2\.1 \|/);
  assert.match(all.stdout, /Note: Due to usage of cache, server's list may differ from DB list\./);
  const one = await serctl(['showdb', 'joe'], { cwd: dir, env });
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /\| joe@foo\.bar +\|/);
  assert.match(one.stdout, /sip:joe@192\.0\.2\.1:5060/);
});

test('db create and upgrade: the schema in the db_url of the config given with -f', async (t) => {
  const dir = tempDir(t, 'serctl-');
  const cfg = writeCfg(dir, 'ser.cfg', `loadmodule "usrloc.so"\nmodparam("usrloc", "db_url", "sqlite://${path.join(dir, 'sub', 'x.db')}")\nroute{ break; }\n`);
  const create = await serctl(['-f', cfg, 'db', 'create'], { cwd: dir });
  assert.equal(create.status, 0, create.stderr);
  assert.match(create.stdout, /modparam\("usrloc", "db_url"\)/);
  assert.match(create.stdout, /schema ready/);
  const up = await serctl(['-f', cfg, 'db', 'upgrade'], { cwd: dir });
  assert.equal(up.status, 0, up.stderr);
  assert.match(up.stdout, /schema up to date/);
  const db = await openDb(`sqlite://${path.join(dir, 'sub', 'x.db')}`);
  t.after(() => db.close());
  assert.ok((await db.query('version')).length > 10);
  const bad = await serctl(['db', 'drop'], { cwd: dir });
  assert.equal(bad.status, 2);
});

test('ps without a server: exit 1, naming the FIFO and what to check', async (t) => {
  const { dir, env } = setup(t);
  const r = await serctl(['ps'], { cwd: dir, env });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no_fifo: it does not exist — is ser running with fifo=/);
});
