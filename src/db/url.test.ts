import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbError } from './api.js';
import { parseDbUrl, redact } from './url.js';

const cwd = '/srv/ser';

test('parseDbUrl: sqlite forms', () => {
  assert.deepEqual(parseDbUrl('sqlite:///var/lib/ser/ser.db', { cwd }), { kind: 'sqlite', path: '/var/lib/ser/ser.db', memory: false, url: 'sqlite:///var/lib/ser/ser.db' });
  assert.deepEqual(parseDbUrl('sqlite://data/ser.db', { cwd }), { kind: 'sqlite', path: '/srv/ser/data/ser.db', memory: false, url: 'sqlite://data/ser.db' });
  assert.deepEqual(parseDbUrl('sqlite:/var/ser.db', { cwd }), { kind: 'sqlite', path: '/var/ser.db', memory: false, url: 'sqlite:/var/ser.db' });
  assert.deepEqual(parseDbUrl('sqlite::memory:'), { kind: 'sqlite', path: ':memory:', memory: true, url: 'sqlite::memory:' });
  assert.deepEqual(parseDbUrl('sqlite://:memory:'), { kind: 'sqlite', path: ':memory:', memory: true, url: 'sqlite://:memory:' });
  assert.equal((parseDbUrl('SQLite:///a/../b/my%20db.db') as { path: string }).path, '/b/my db.db');
  assert.equal(parseDbUrl('  sqlite:///x.db  ').kind, 'sqlite');
});

test('parseDbUrl: dbtext forms, including SER 0.8\'s bare directory path', () => {
  assert.deepEqual(parseDbUrl('dbtext:///var/lib/ser/db', { cwd }), { kind: 'dbtext', dir: '/var/lib/ser/db', url: 'dbtext:///var/lib/ser/db' });
  assert.deepEqual(parseDbUrl('dbtext://db', { cwd }), { kind: 'dbtext', dir: '/srv/ser/db', url: 'dbtext://db' });
  assert.deepEqual(parseDbUrl('/home/rco/cvs/ser/sip_router/modules/vm/db', { cwd }), {
    kind: 'dbtext', dir: '/home/rco/cvs/ser/sip_router/modules/vm/db', url: '/home/rco/cvs/ser/sip_router/modules/vm/db',
  });
});

test('parseDbUrl: mysql, SER\'s sql://, mariadb', () => {
  assert.deepEqual(parseDbUrl('mysql://ser:heslo@localhost/ser'), {
    kind: 'mysql', host: 'localhost', port: 3306, user: 'ser', password: 'heslo', database: 'ser', options: {}, url: 'mysql://ser:***@localhost/ser',
  });
  const sql = parseDbUrl('sql://ser:secret@dbhost/ser');
  assert.equal(sql.kind, 'mysql');
  assert.deepEqual([sql.kind === 'mysql' && sql.host, sql.kind === 'mysql' && sql.password, sql.url], ['dbhost', 'secret', 'sql://ser:***@dbhost/ser']);
  const m = parseDbUrl('mariadb://u@[2001:db8::1]:3307/db?pool=8&timeout=500&ssl');
  assert.deepEqual(m, {
    kind: 'mysql', host: '2001:db8::1', port: 3307, user: 'u', password: undefined, database: 'db',
    options: { pool: '8', timeout: '500', ssl: '' }, url: 'mariadb://u@[2001:db8::1]:3307/db?pool=8&timeout=500&ssl',
  });
  const noUser = parseDbUrl('mysql://db.example.com:1234/ser');
  assert.deepEqual([noUser.kind, noUser.kind === 'mysql' && noUser.user, noUser.kind === 'mysql' && noUser.port], ['mysql', undefined, 1234]);
});

test('parseDbUrl: passwords with special characters (percent-encoded or a raw @)', () => {
  const a = parseDbUrl('mysql://ser:p%40ss%3Aw%2Ford@localhost/ser');
  assert.equal(a.kind === 'mysql' && a.password, 'p@ss:w/ord');
  assert.equal(a.url, 'mysql://ser:***@localhost/ser');
  const b = parseDbUrl('postgres://ser:p@ss:w@rd@db:5433/ser');
  assert.deepEqual(b.kind === 'postgres' && [b.user, b.password, b.host, b.port, b.database], ['ser', 'p@ss:w@rd', 'db', 5433, 'ser']);
  assert.equal(b.url, 'postgres://ser:***@db:5433/ser');
  const c = parseDbUrl('mysql://ser:@localhost/ser');
  assert.equal(c.kind === 'mysql' && c.password, '');
});

test('parseDbUrl: postgres and postgresql', () => {
  assert.deepEqual(parseDbUrl('postgres://ser:heslo@127.0.0.1/ser'), {
    kind: 'postgres', host: '127.0.0.1', port: 5432, user: 'ser', password: 'heslo', database: 'ser', options: {}, url: 'postgres://ser:***@127.0.0.1/ser',
  });
  const p = parseDbUrl('postgresql://ser@localhost/ser?host=%2Fvar%2Frun%2Fpostgresql&sslmode=require');
  assert.deepEqual(p.kind === 'postgres' && p.options, { host: '/var/run/postgresql', sslmode: 'require' });
});

test('parseDbUrl: anything else is a clear error saying what is expected', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['ser.db', /no scheme/],
    ['oracle://u:p@h/db', /unknown scheme "oracle:"/],
    ['mysql://u:p@localhost', /no database name/],
    ['mysql://u:p@localhost/', /one database name/],
    ['mysql://u:p@localhost/a/b', /one database name/],
    ['mysql://u:p@/db', /no host/],
    ['mysql://u:p@h:0/db', /bad port "0"/],
    ['mysql://u:p@h:70000/db', /bad port "70000"/],
    ['mysql://u:p@h:x/db', /bad port "x"/],
    ['mysql://u:p@[::1/db', /unclosed/],
    ['mysql:u:p@h/db', /expected mysql:\/\/user:password@host/],
    ['postgres://h/d%zz', /malformed %-escape/],
    ['sqlite:', /expected sqlite:\/\/\/absolute\/path/],
    ['sqlite://', /no file path/],
    ['sqlite:///x.db?mode=ro', /no query string/],
    ['sqlite:relative.db', /expected sqlite:\/\/\/absolute\/path/],
    ['dbtext://', /no directory path/],
  ];
  for (const [url, re] of cases) {
    assert.throws(() => parseDbUrl(url), (e: unknown) => {
      assert.ok(e instanceof DbError, url);
      assert.equal(e.code, 'bad-request');
      assert.match(e.message, re, url);
      assert.match(e.message, /expected one of: sqlite:\/\/\/absolute\/path\.db, .*mysql:\/\/.*postgres:\/\/.*dbtext:\/\/\//, url);
      return true;
    });
  }
  // the error does not show the password
  assert.throws(() => parseDbUrl('mysql://ser:topsecret@h:99999/db'), (e: unknown) => e instanceof Error && !e.message.includes('topsecret'));
});

test('redact hides passwords', () => {
  assert.equal(redact('mysql://ser:heslo@localhost/ser'), 'mysql://ser:***@localhost/ser');
  assert.equal(redact('postgres://ser:p@ss:w@rd@db/ser?sslmode=require'), 'postgres://ser:***@db/ser?sslmode=require');
  assert.equal(redact('mysql://ser@localhost/ser'), 'mysql://ser@localhost/ser');
  assert.equal(redact('mysql://localhost/ser?user=a&password=b&x=1'), 'mysql://localhost/ser?user=a&password=***&x=1');
  assert.equal(redact('sqlite:///var/lib/ser.db'), 'sqlite:///var/lib/ser.db');
  assert.equal(redact('not a url'), 'not a url');
});
