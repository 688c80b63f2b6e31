import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DbError } from './api.js';
import {
  buildDelete, buildInsert, buildReplace, buildSelect, buildUpdate, checkIdent, quoteIdent, toPositional,
} from './sql-build.js';
import { table } from './schema.js';

const badRequest = (f: () => unknown, re?: RegExp): void => {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof DbError, `expected DbError, got ${String(e)}`);
    assert.equal(e.code, 'bad-request');
    if (re) assert.match(e.message, re);
    return true;
  });
};

test('checkIdent and quoteIdent', () => {
  for (const ok of ['location', 'username', '_x', 'a1', 'table_version', 'A_b_9']) assert.equal(checkIdent(ok), ok);
  for (const bad of ['', '1a', 'a-b', 'a b', 'a;', 'a"b', 'a`b', "a'b", 'a.b', 'ä', 'x'.repeat(65), 'a\0']) badRequest(() => checkIdent(bad));
  assert.equal(quoteIdent('sqlite', 'time'), '"time"');
  assert.equal(quoteIdent('postgres', 'time'), '"time"');
  assert.equal(quoteIdent('mysql', 'time'), '`time`');
  badRequest(() => quoteIdent('mysql', 'a`b'));
});

test('buildSelect: every column by default, in schema order', () => {
  const b = buildSelect('sqlite', 'grp');
  assert.equal(b.sql, 'SELECT "username", "domain", "grp", "last_modified" FROM "grp"');
  assert.deepEqual(b.params, []);
});

test('buildSelect: conditions, operators, NULL, order and limit; parameters in order', () => {
  const q = {
    columns: ['contact', 'q'],
    where: [
      { col: 'username', value: 'alice' },
      { col: 'domain', op: '!=' as const, value: 'x' },
      { col: 'cseq', op: '<' as const, value: 3 },
      { col: 'cseq', op: '>' as const, value: 1 },
      { col: 'q', op: '<=' as const, value: 0.5 },
      { col: 'q', op: '>=' as const, value: 0.1 },
      { col: 'received', value: null },
      { col: 'socket', op: '!=' as const, value: null },
    ],
    orderBy: 'q', desc: true, limit: 10,
  };
  const where = ' WHERE "username" = ? AND "domain" <> ? AND "cseq" < ? AND "cseq" > ? AND "q" <= ? AND "q" >= ? AND "received" IS NULL AND "socket" IS NOT NULL';
  assert.deepEqual(buildSelect('sqlite', 'location', q), {
    sql: 'SELECT "contact", "q" FROM "location"' + where + ' ORDER BY "q" DESC LIMIT 10',
    params: ['alice', 'x', 3, 1, 0.5, 0.1],
  });
  assert.deepEqual(buildSelect('mysql', 'location', q), {
    sql: 'SELECT `contact`, `q` FROM `location`' + where.replace(/"/g, '`') + ' ORDER BY `q` DESC LIMIT 10',
    params: ['alice', 'x', 3, 1, 0.5, 0.1],
  });
  let n = 0;
  assert.deepEqual(buildSelect('postgres', 'location', q), {
    sql: 'SELECT "contact", "q" FROM "location"' + where.replace(/\?/g, () => `$${++n}`) + ' ORDER BY "q" DESC LIMIT 10',
    params: ['alice', 'x', 3, 1, 0.5, 0.1],
  });
  assert.equal(buildSelect('sqlite', 'location', { orderBy: 'expires' }).sql.endsWith(' ORDER BY "expires" ASC'), true);
  assert.equal(buildSelect('sqlite', 'location', { limit: 0 }).sql.endsWith(' LIMIT 0'), true);
});

test('values are parameters, never SQL text', () => {
  const evil = "x'; DROP TABLE subscriber; --";
  const d = new Date(Date.UTC(2024, 0, 1));
  for (const dialect of ['sqlite', 'mysql', 'postgres'] as const) {
    const bs = [
      buildSelect(dialect, 'subscriber', { where: [{ col: 'username', value: evil }] }),
      buildInsert(dialect, 'subscriber', { username: evil, domain: 'd', datetime_created: d }),
      buildUpdate(dialect, 'subscriber', [{ col: 'username', value: evil }], { password: evil }),
      buildDelete(dialect, 'subscriber', [{ col: 'username', value: evil }]),
      buildReplace(dialect, 'subscriber', { username: evil, domain: 'd', password: evil }, ['username', 'domain']),
    ];
    for (const b of bs) {
      assert.ok(!b.sql.includes('DROP'), b.sql);
      assert.ok(!b.sql.includes("'"), b.sql);
      assert.ok(b.params.includes(evil));
    }
    assert.ok(bs[1]!.params.includes(d), 'Date objects are passed through');
  }
});

test('buildInsert, buildUpdate, buildDelete', () => {
  assert.deepEqual(buildInsert('sqlite', 'domain', { domain: 'example.org', last_modified: undefined as unknown as null }), {
    sql: 'INSERT INTO "domain" ("domain") VALUES (?)', params: ['example.org'],
  });
  assert.deepEqual(buildInsert('postgres', 'grp', { username: 'u', domain: 'd', grp: 'g' }), {
    sql: 'INSERT INTO "grp" ("username", "domain", "grp") VALUES ($1, $2, $3)', params: ['u', 'd', 'g'],
  });
  assert.equal(buildInsert('mysql', 'domain', {}).sql, 'INSERT INTO `domain` () VALUES ()');
  assert.equal(buildInsert('sqlite', 'domain', {}).sql, 'INSERT INTO "domain" DEFAULT VALUES');
  // UPDATE: new values first, then the conditions
  assert.deepEqual(buildUpdate('postgres', 'location', [{ col: 'username', value: 'u' }, { col: 'cseq', op: '>', value: 2 }], { flags: 1, user_agent: 'x' }), {
    sql: 'UPDATE "location" SET "flags" = $1, "user_agent" = $2 WHERE "username" = $3 AND "cseq" > $4',
    params: [1, 'x', 'u', 2],
  });
  assert.deepEqual(buildUpdate('mysql', 'location', [], { flags: null }), { sql: 'UPDATE `location` SET `flags` = ?', params: [null] });
  badRequest(() => buildUpdate('sqlite', 'location', [], {}), /nothing to set/);
  assert.deepEqual(buildDelete('sqlite', 'acc'), { sql: 'DELETE FROM "acc"', params: [] });
  assert.deepEqual(buildDelete('postgres', 'acc', [{ col: 'username', value: 'u' }, { col: 'domain', value: null }]), {
    sql: 'DELETE FROM "acc" WHERE "username" = $1 AND "domain" IS NULL', params: ['u'],
  });
});

test('buildReplace per dialect', () => {
  const row = { username: 'u', domain: 'd', contact: 'c', q: 0.5, expires: null };
  const key = ['username', 'domain', 'contact'];
  assert.deepEqual(buildReplace('sqlite', 'location', row, key), {
    sql: 'INSERT INTO "location" ("username", "domain", "contact", "q", "expires") VALUES (?, ?, ?, ?, ?)' +
      ' ON CONFLICT("username", "domain", "contact") DO UPDATE SET "q" = excluded."q", "expires" = excluded."expires"',
    params: ['u', 'd', 'c', 0.5, null],
  });
  assert.deepEqual(buildReplace('postgres', 'location', row, key), {
    sql: 'INSERT INTO "location" ("username", "domain", "contact", "q", "expires") VALUES ($1, $2, $3, $4, $5)' +
      ' ON CONFLICT ("username", "domain", "contact") DO UPDATE SET "q" = EXCLUDED."q", "expires" = EXCLUDED."expires"',
    params: ['u', 'd', 'c', 0.5, null],
  });
  assert.deepEqual(buildReplace('mysql', 'location', row, key), {
    sql: 'INSERT INTO `location` (`username`, `domain`, `contact`, `q`, `expires`) VALUES (?, ?, ?, ?, ?)' +
      ' ON DUPLICATE KEY UPDATE `q` = ?, `expires` = ?',
    params: ['u', 'd', 'c', 0.5, null, 0.5, null],
  });
  // only the key: nothing to update
  assert.match(buildReplace('sqlite', 'domain', { domain: 'x' }, ['domain']).sql, / ON CONFLICT\("domain"\) DO NOTHING$/);
  assert.match(buildReplace('postgres', 'domain', { domain: 'x' }, ['domain']).sql, / ON CONFLICT \("domain"\) DO NOTHING$/);
  assert.match(buildReplace('mysql', 'domain', { domain: 'x' }, ['domain']).sql, / ON DUPLICATE KEY UPDATE `domain` = `domain`$/);
  // the key in another order is the same key
  assert.match(buildReplace('sqlite', 'location', row, ['contact', 'username', 'domain']).sql, /ON CONFLICT\("contact", "username", "domain"\)/);
  // not a key, no key, key value missing
  badRequest(() => buildReplace('sqlite', 'location', row, ['username', 'domain']), /not a key of the table; its keys: \(username, domain, contact\)/);
  badRequest(() => buildReplace('sqlite', 'acc', { username: 'u' }, ['username']), /it has no key/);
  badRequest(() => buildReplace('sqlite', 'location', { username: 'u', domain: 'd' }, key), /no value for key column 'contact'/);
  badRequest(() => buildReplace('sqlite', 'location', row, []));
  badRequest(() => buildReplace('sqlite', 'location', row, ['username', 'domain', 'contact"']));
});

test('names are checked against the schema', () => {
  badRequest(() => buildSelect('sqlite', 'nope'), /unknown table 'nope'/);
  badRequest(() => buildSelect('sqlite', 'location; --'), /bad identifier/);
  badRequest(() => buildSelect('sqlite', 'location', { columns: ['nope'] }), /unknown column 'nope' in table 'location'/);
  badRequest(() => buildSelect('sqlite', 'location', { columns: [] }));
  badRequest(() => buildSelect('sqlite', 'location', { where: [{ col: 'x"', value: 1 }] }));
  badRequest(() => buildSelect('sqlite', 'location', { where: [{ col: 'q', op: 'LIKE' as '=', value: 1 }] }), /unknown operator/);
  badRequest(() => buildSelect('sqlite', 'location', { where: [{ col: 'q', op: '<', value: null }] }), /NULL can only be compared/);
  badRequest(() => buildSelect('sqlite', 'location', { orderBy: 'q desc' }));
  badRequest(() => buildSelect('sqlite', 'location', { limit: -1 }));
  badRequest(() => buildSelect('sqlite', 'location', { limit: 2.5 }));
  badRequest(() => buildSelect('sqlite', 'location', { limit: Number.NaN }));
  badRequest(() => buildInsert('sqlite', 'location', { 'contact) VALUES (1); --': 'x' }));
  badRequest(() => buildUpdate('sqlite', 'location', [], { nope: 1 }));
  badRequest(() => buildDelete('sqlite', 'location', [{ col: 'nope', value: 1 }]));
  assert.ok(table('location'));
});

test('values must be strings, finite numbers, valid Dates or NULL', () => {
  for (const v of [Number.NaN, Infinity, new Date('x'), {}, [], true, 1n, Symbol('s'), () => 1]) {
    badRequest(() => buildInsert('sqlite', 'location', { username: v as unknown as string }));
    badRequest(() => buildSelect('sqlite', 'location', { where: [{ col: 'username', value: v as unknown as string }] }));
  }
  badRequest(() => buildInsert('sqlite', 'location', null as unknown as Record<string, never>));
  badRequest(() => buildSelect('sqlite', 'location', { where: 'x' as unknown as [] }));
});

test('toPositional: ? becomes $n outside strings, identifiers and comments', () => {
  assert.equal(toPositional('SELECT * FROM t WHERE a = ? AND b > ?'), 'SELECT * FROM t WHERE a = $1 AND b > $2');
  assert.equal(toPositional("SELECT '?', 'it''s ?', ? FROM t"), "SELECT '?', 'it''s ?', $1 FROM t");
  assert.equal(toPositional('SELECT "we?ird", "a""?" FROM t WHERE x = ?'), 'SELECT "we?ird", "a""?" FROM t WHERE x = $1');
  assert.equal(toPositional("SELECT E'\\'?', ? "), "SELECT E'\\'?', $1 ");
  assert.equal(toPositional("SELECT 'a\\', ?"), "SELECT 'a\\', $1"); // standard strings: backslash is a character
  assert.equal(toPositional('SELECT ? -- why?\n, ? /* what? */ , ?'), 'SELECT $1 -- why?\n, $2 /* what? */ , $3');
  assert.equal(toPositional('SELECT $$a?b$$, $tag$ ? $tag$, ?'), 'SELECT $$a?b$$, $tag$ ? $tag$, $1');
  assert.equal(toPositional('SELECT 1'), 'SELECT 1');
  assert.equal(toPositional("SELECT 'unterminated ?"), "SELECT 'unterminated ?");
});
