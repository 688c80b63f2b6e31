import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import {
  column, createStatements, dbtextHeader, formatDateTime, parseDateTime, table, TABLES, ZERO_DATETIME, type Dialect,
} from './schema.js';

const SEED_TABLES = [
  // ser-admin-guide §6.6 and the howto's `show tables`
  'subscriber', 'reserved', 'phonebook', 'pending', 'missed_calls', 'location', 'grp', 'event',
  'aliases', 'active_sessions', 'acc', 'config', 'silo', 'version',
];
const DIALECTS: Dialect[] = ['sqlite', 'mysql', 'postgres'];

test('schema: every table of the seed, plus domain and uri, with SER 0.8.12 versions', () => {
  const names = TABLES.map((t) => t.name);
  for (const n of [...SEED_TABLES, 'domain', 'uri']) assert.ok(names.includes(n), `missing table ${n}`);
  assert.equal(new Set(names).size, names.length);
  const versions = Object.fromEntries(TABLES.map((t) => [t.name, t.version]));
  assert.deepEqual(versions, {
    version: 1, subscriber: 2, reserved: 1, phonebook: 1, pending: 2, missed_calls: 2, location: 3, grp: 2,
    event: 1, aliases: 3, active_sessions: 1, acc: 2, config: 1, silo: 2, domain: 1, uri: 1,
  });
  assert.equal(table('location')?.name, 'location');
  assert.equal(table('nope'), undefined);
  assert.equal(table('Location'), undefined);
});

test("schema: subscriber has SER's columns (howto: phplib_id ... timezone, realm renamed domain) and rpid", () => {
  const cols = table('subscriber')!.columns.map((c) => c.name);
  assert.deepEqual(cols, [
    'phplib_id', 'username', 'domain', 'password', 'first_name', 'last_name', 'phone', 'email_address',
    'datetime_created', 'datetime_modified', 'confirmation', 'flag', 'sendnotification', 'greeting',
    'ha1', 'ha1b', 'perms', 'allow_find', 'timezone', 'rpid',
  ]);
  assert.deepEqual(table('subscriber')!.primaryKey, ['username', 'domain']);
  assert.deepEqual(table('pending')!.columns.map((c) => c.name), cols);
});

test('schema: location holds what usrloc keeps, SER names first, later columns nullable', () => {
  const t = table('location')!;
  const want: [string, string, boolean][] = [
    ['username', 'string', false], ['domain', 'string', false], ['contact', 'string', false],
    ['received', 'string', true], ['expires', 'datetime', true], ['q', 'double', true],
    ['callid', 'string', true], ['cseq', 'int', true], ['last_modified', 'datetime', false],
    ['replicate', 'int', true], ['state', 'int', true], ['flags', 'int', false],
    ['user_agent', 'string', false], ['socket', 'string', true],
  ];
  assert.deepEqual(t.columns.map((c) => [c.name, c.type, c.nullable === true]), want);
  assert.deepEqual(t.primaryKey, ['username', 'domain', 'contact']);
  assert.deepEqual(table('aliases')!.columns, t.columns);
  assert.equal(column(t, 'last_modified')?.defaultNow, true);
});

test('schema: keys, indexes and auto columns name real columns; auto columns are int keys', () => {
  for (const t of TABLES) {
    const names = new Set(t.columns.map((c) => c.name));
    assert.equal(names.size, t.columns.length, `${t.name}: duplicate column`);
    for (const set of [t.primaryKey ?? [], ...(t.unique ?? []), ...(t.indexes ?? [])]) {
      for (const c of set) assert.ok(names.has(c), `${t.name}: key column ${c} unknown`);
    }
    for (const c of t.columns) {
      assert.match(c.name, /^[a-z_][a-z0-9_]*$/);
      if (c.auto) {
        assert.equal(c.type, 'int');
        assert.deepEqual(t.primaryKey, [c.name]);
      }
      if (c.default !== undefined && c.default !== null) {
        if (c.type === 'int' || c.type === 'double') assert.equal(typeof c.default, 'number', `${t.name}.${c.name}`);
        else assert.equal(typeof c.default, 'string', `${t.name}.${c.name}`);
        if (c.type === 'datetime') assert.ok(parseDateTime(String(c.default)), `${t.name}.${c.name} default`);
      }
    }
  }
});

test('createStatements: CREATE TABLE IF NOT EXISTS for every table in each dialect, and the version rows', () => {
  for (const d of DIALECTS) {
    const sql = createStatements(d);
    const q = (n: string): string => (d === 'mysql' ? '`' + n + '`' : '"' + n + '"');
    for (const t of TABLES) {
      assert.equal(sql.filter((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${q(t.name)} (`)).length, 1, `${d}: ${t.name}`);
      const create = sql.find((s) => s.startsWith(`CREATE TABLE IF NOT EXISTS ${q(t.name)} (`))!;
      for (const c of t.columns) assert.ok(create.includes(`\n  ${q(c.name)} `), `${d}: ${t.name}.${c.name}`);
      const rows = sql.filter((s) => s.includes(`VALUES ('${t.name}', ${t.version})`));
      assert.equal(rows.length, t.name === 'version' ? 0 : 1, `${d}: version row of ${t.name}`);
    }
    // tables before version rows, version table first
    const firstInsert = sql.findIndex((s) => s.startsWith('INSERT'));
    assert.ok(sql.slice(firstInsert).every((s) => s.startsWith('INSERT')));
    assert.ok(sql[0]!.startsWith(`CREATE TABLE IF NOT EXISTS ${q('version')}`));
  }
});

test('createStatements: dialect details', () => {
  const my = createStatements('mysql').join(';\n');
  assert.match(my, /ENGINE=InnoDB DEFAULT CHARSET=utf8mb4/);
  assert.match(my, /`mid` INT NOT NULL AUTO_INCREMENT PRIMARY KEY/);
  assert.match(my, /`expires` DATETIME NULL DEFAULT NULL/);
  assert.match(my, /`q` DOUBLE NULL/);
  assert.match(my, /`last_modified` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP/);
  assert.match(my, /`body` TEXT NOT NULL,?\n/); // no DEFAULT on TEXT in MySQL
  assert.match(my, /INDEX `acc_username_domain_idx` \(`username`, `domain`\)/);
  assert.match(my, /INSERT IGNORE INTO `version` \(`table_name`, `table_version`\) VALUES \('location', 3\)/);
  assert.doesNotMatch(my, /CREATE INDEX/);
  assert.doesNotMatch(my, /0000-00-00/);

  const pg = createStatements('postgres').join(';\n');
  assert.match(pg, /"mid" SERIAL PRIMARY KEY/);
  assert.match(pg, /"expires" TIMESTAMP\(0\) NULL DEFAULT NULL/);
  assert.match(pg, /"q" DOUBLE PRECISION NULL/);
  assert.match(pg, /"last_modified" TIMESTAMP\(0\) NOT NULL DEFAULT \(CURRENT_TIMESTAMP AT TIME ZONE 'UTC'\)/);
  assert.match(pg, /CREATE INDEX IF NOT EXISTS "acc_username_domain_idx" ON "acc" \("username", "domain"\)/);
  assert.match(pg, /ON CONFLICT DO NOTHING/);
  assert.match(pg, /"flag" VARCHAR\(1\) NOT NULL DEFAULT 'o'/);
  assert.doesNotMatch(pg, /`/);

  const lite = createStatements('sqlite').join(';\n');
  assert.match(lite, /"mid" INTEGER PRIMARY KEY AUTOINCREMENT/);
  assert.match(lite, /"expires" TEXT NULL DEFAULT NULL/);
  assert.match(lite, /INSERT OR IGNORE INTO "version"/);
  assert.match(lite, /PRIMARY KEY \("username", "domain", "contact"\)/);
});

test('createStatements: index names are unique across the database (PostgreSQL)', () => {
  const names = createStatements('postgres').flatMap((s) => [...s.matchAll(/CREATE INDEX IF NOT EXISTS "([^"]+)"/g)].map((m) => m[1]));
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.length > 5);
});

test('createStatements(sqlite) runs, and runs again without changing anything', () => {
  const db = new Database(':memory:');
  try {
    for (let i = 0; i < 2; i++) for (const s of createStatements('sqlite')) db.exec(s);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, TABLES.map((t) => t.name).sort());
    const versions = db.prepare('SELECT COUNT(*) AS n FROM version').get() as { n: number };
    assert.equal(versions.n, TABLES.length - 1);
    db.prepare("INSERT INTO location (username, domain, contact) VALUES ('a', 'b', 'c')").run();
    const r = db.prepare('SELECT flags, user_agent, last_modified, expires FROM location').get() as Record<string, unknown>;
    assert.equal(r['flags'], 0);
    assert.equal(r['user_agent'], '');
    assert.equal(r['expires'], null);
    assert.match(String(r['last_modified']), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  } finally {
    db.close();
  }
});

test('dbtextHeader: SER dbtext first lines', () => {
  assert.equal(dbtextHeader(table('version')!), 'table_name(str) table_version(int)');
  assert.equal(dbtextHeader(table('domain')!), 'domain(str) last_modified(time)');
  assert.equal(dbtextHeader(table('event')!), 'id(int,auto) username(str) domain(str) uri(str) description(str)');
  assert.equal(
    dbtextHeader(table('location')!),
    'username(str) domain(str) contact(str) received(str,null) expires(time,null) q(double,null) callid(str,null) ' +
    'cseq(int,null) last_modified(time) replicate(int,null) state(int,null) flags(int) user_agent(str) socket(str,null)',
  );
});

test('formatDateTime / parseDateTime: UTC, to the second', () => {
  const d = new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 999));
  assert.equal(formatDateTime(d), '2024-02-29 23:59:58');
  assert.equal(parseDateTime('2024-02-29 23:59:58')?.getTime(), Date.UTC(2024, 1, 29, 23, 59, 58));
  assert.equal(parseDateTime('2024-02-29T23:59:58Z')?.getTime(), Date.UTC(2024, 1, 29, 23, 59, 58));
  assert.equal(parseDateTime('2024-02-29 23:59:58.123')?.getTime(), Date.UTC(2024, 1, 29, 23, 59, 58));
  assert.equal(parseDateTime(ZERO_DATETIME)?.getTime(), Date.UTC(1900, 0, 1, 0, 0, 1));
  assert.equal(formatDateTime(parseDateTime(ZERO_DATETIME)!), ZERO_DATETIME);
  assert.equal(parseDateTime('yesterday'), undefined);
  assert.equal(parseDateTime('2024-02-29'), undefined);
});
