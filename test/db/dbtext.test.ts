// The dbtext adapter: the conformance suite on a temporary directory, plus SER's file format:
// header lines, escaping, reloading what was written, files written by SER, atomic writes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DbError } from '../../src/db/api.js';
import { openDbtext, parseDbtextHeader, escapeDbtext } from '../../src/db/dbtext.js';
import { dbtextHeader, table, TABLES } from '../../src/db/schema.js';
import { dbConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'ser-dbtext-test-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

dbConformance('dbtext', async () => openDbtext(`dbtext://${join(root, 'conformance')}`), { raw: false });

test('dbtext: open creates the directory and one file per table with its header line; version rows', async () => {
  const dir = join(root, 'fresh', 'db');
  const logs: string[] = [];
  const db = await openDbtext(`dbtext://${dir}`, { log: (m) => logs.push(m) });
  assert.deepEqual(readdirSync(dir).sort(), TABLES.map((t) => t.name).sort());
  for (const t of TABLES) {
    const lines = readFileSync(join(dir, t.name), 'utf8').split('\n');
    assert.equal(lines[0], dbtextHeader(t), t.name);
  }
  assert.match(readFileSync(join(dir, 'location'), 'utf8'),
    /^username\(str\) domain\(str\) contact\(str\) received\(str,null\) expires\(time,null\) q\(double,null\) callid\(str,null\) cseq\(int,null\) last_modified\(time\) /);
  assert.match(readFileSync(join(dir, 'silo'), 'utf8'), /^mid\(int,auto\) /);
  const version = readFileSync(join(dir, 'version'), 'utf8');
  assert.match(version, /^table_name\(str\) table_version\(int\)\n/);
  assert.match(version, /\nlocation:3\n/);
  assert.match(version, /\nsubscriber:2\n/);
  assert.equal(logs.length, 1);
  await db.close();
  // opening again changes nothing
  const before = readFileSync(join(dir, 'version'), 'utf8');
  const again = await openDbtext(`dbtext://${dir}`, { log: (m) => logs.push(m) });
  await again.close();
  assert.equal(readFileSync(join(dir, 'version'), 'utf8'), before);
  assert.equal(logs.length, 1);
});

test("dbtext: what was written reloads, including ':' '\\' and newlines; the file is SER's format", async () => {
  const dir = join(root, 'reload');
  const expires = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
  let db = await openDbtext(`dbtext://${dir}`);
  const nasty = 'a:b\\c\nd\re\tf\0g:';
  await db.insert('location', {
    username: 'alice', domain: 'example.org', contact: 'sip:alice@192.0.2.1:5060;transport=tcp', received: 'sip:198.51.100.7:41234',
    expires, q: 0.25, callid: nasty, cseq: -3, flags: 2, user_agent: 'Ünïcødé 😀', socket: 'tcp:192.0.2.10:5060',
  });
  await db.insert('silo', { src_addr: 'sip:a@x', dst_addr: 'sip:b@x', r_uri: 'sip:b@x', body: 'line1\nline2: done' });
  await db.close();
  const text = readFileSync(join(dir, 'location'), 'utf8');
  const line = text.split('\n')[1]!;
  assert.ok(line.startsWith('alice:example.org:sip\\:alice@192.0.2.1\\:5060;transport=tcp:sip\\:198.51.100.7\\:41234:1893499200:0.25:a\\:b\\\\c\\nd\\re\\tf\\0g\\::-3:'), line);
  assert.equal(text.split('\n').length, 3); // header, one row, final newline
  db = await openDbtext(`dbtext://${dir}`);
  const [r] = await db.query('location');
  assert.ok(r);
  assert.equal(r['contact'], 'sip:alice@192.0.2.1:5060;transport=tcp');
  assert.equal(r['received'], 'sip:198.51.100.7:41234');
  assert.deepEqual(r['expires'], expires);
  assert.equal(r['q'], 0.25);
  assert.equal(r['callid'], nasty);
  assert.equal(r['cseq'], -3);
  assert.equal(r['user_agent'], 'Ünïcødé 😀');
  assert.ok(r['last_modified'] instanceof Date);
  const [s] = await db.query('silo');
  assert.equal(s!['mid'], 1);
  assert.equal(s!['body'], 'line1\nline2: done');
  // the next id follows the highest in the file
  await db.insert('silo', { src_addr: 'sip:a@x', dst_addr: 'sip:b@x', r_uri: 'sip:b@x', body: '' });
  assert.deepEqual((await db.query('silo', { columns: ['mid'], orderBy: 'mid' })).map((x) => x['mid']), [1, 2]);
  await db.close();
});

test('dbtext: a file written by SER (older columns, trailing space) is read and written back with the new columns', async () => {
  const dir = join(root, 'ser');
  const logs: string[] = [];
  await openDbtext(`dbtext://${dir}`).then((db) => db.close());
  writeFileSync(join(dir, 'location'),
    'username(str) domain(str) contact(str) expires(time,null) q(double,null) callid(str,null) cseq(int,null) last_modified(time) replicate(int,null) state(int,null) flags(int) \n' +
    'bob:example.org:sip\\:bob@192.0.2.2:1700000000:1.00:abc@x:7:1699999000:::0\n\n');
  const db = await openDbtext(`dbtext://${dir}`, { log: (m) => logs.push(m) });
  const rows = await db.query('location', { columns: ['username', 'contact', 'expires', 'q', 'cseq', 'received', 'user_agent', 'socket', 'replicate'] });
  assert.deepEqual(rows, [{
    username: 'bob', contact: 'sip:bob@192.0.2.2', expires: new Date(1700000000 * 1000), q: 1, cseq: 7,
    received: null, user_agent: '', socket: null, replicate: null,
  }]);
  await db.update('location', [{ col: 'username', value: 'bob' }], { received: 'sip:203.0.113.9:5060' });
  await db.close();
  const text = readFileSync(join(dir, 'location'), 'utf8').split('\n');
  assert.equal(text[0], 'username(str) domain(str) contact(str) expires(time,null) q(double,null) callid(str,null) cseq(int,null) last_modified(time) replicate(int,null) state(int,null) flags(int) received(str,null) user_agent(str) socket(str,null)');
  assert.equal(text[1], 'bob:example.org:sip\\:bob@192.0.2.2:1700000000:1:abc@x:7:1699999000:::0:sip\\:203.0.113.9\\:5060::');
  assert.ok(logs.some((m) => /adding columns received, user_agent, socket/.test(m)));
});

test('dbtext: a broken file is reported with its name and line, not silently emptied', async () => {
  const dir = join(root, 'broken');
  await openDbtext(`dbtext://${dir}`).then((db) => db.close());
  writeFileSync(join(dir, 'grp'), 'username(str) domain(str) grp(str) last_modified(time)\nalice:example.org:int\n');
  const db = await openDbtext(`dbtext://${dir}`);
  await assert.rejects(db.query('grp'), (e: unknown) => e instanceof DbError && e.code === 'internal' && e.message.includes(`${join(dir, 'grp')}:2`) && /3 values for 4 columns/.test(e.message));
  writeFileSync(join(dir, 'domain'), 'domain(str) last_modified(zzz)\n');
  await assert.rejects(db.query('domain'), (e: unknown) => e instanceof DbError && /domain:1: column last_modified: unknown type/.test(e.message));
  await db.close();
  assert.match(readFileSync(join(dir, 'grp'), 'utf8'), /alice:example.org:int/);
});

test('dbtext: writes in one tick go out in one atomic write; no temporary files are left', async () => {
  const dir = join(root, 'coalesce');
  const db = await openDbtext(`dbtext://${dir}`);
  await Promise.all(Array.from({ length: 50 }, (_, i) => db.insert('domain', { domain: `d${i}.example` })));
  assert.equal(readFileSync(join(dir, 'domain'), 'utf8').split('\n').filter((l) => /^d\d+\.example:/.test(l)).length, 50);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
  await db.close();
  await assert.rejects(db.query('domain'), (e: unknown) => e instanceof DbError && e.code === 'unavailable');
});

test('dbtext: header parsing and escaping follow SER', () => {
  assert.deepEqual(parseDbtextHeader('id(int,auto) name(str) flag(double) desc(str,null) t(time) b(blob) s(string)'), [
    { name: 'id', type: 'int', nullable: false, auto: true },
    { name: 'name', type: 'str', nullable: false, auto: false },
    { name: 'flag', type: 'double', nullable: false, auto: false },
    { name: 'desc', type: 'str', nullable: true, auto: false },
    { name: 't', type: 'time', nullable: false, auto: false },
    { name: 'b', type: 'blob', nullable: false, auto: false },
    { name: 's', type: 'str', nullable: false, auto: false },
  ]);
  assert.equal(parseDbtextHeader('expires(datetime)')[0]!.type, 'time');
  assert.throws(() => parseDbtextHeader('x(int) y'), /bad column declaration/);
  assert.throws(() => parseDbtextHeader(''), /no columns/);
  assert.equal(escapeDbtext('a:b\\c\nd\re\tf\0'), 'a\\:b\\\\c\\nd\\re\\tf\\0');
  assert.equal(dbtextHeader(table('grp')!), 'username(str) domain(str) grp(str) last_modified(time)');
});

test('dbtext: a directory that cannot be made fails clearly', async () => {
  const file = join(root, 'plainfile');
  writeFileSync(file, 'x');
  await assert.rejects(openDbtext(`dbtext://${join(file, 'db')}`), (e: unknown) => e instanceof DbError && e.code === 'unavailable' && e.message.includes(join(file, 'db')));
  assert.ok(!existsSync(join(file, 'db')));
});
