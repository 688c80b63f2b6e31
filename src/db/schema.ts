// The database schema: every table SER 0.8 created (scripts/ser_mysql.sh of SER 0.8.11/0.8.12,
// the list of the admin guide §6.6 "Used Database Tables", plus domain and uri), with SER's table
// and column names and the versions SER's `version` table held. It is the one source of truth:
// the SQL adapters create their tables from createStatements(), dbtext writes dbtextHeader() as
// the first line of a table file, and every adapter checks table and column names against it.
//
// Departures from SER 0.8, all additive:
// - location and aliases carry the columns usrloc keeps that SER 0.8.12 did not yet have:
//   `received` (the source address of the REGISTER), `user_agent` and `socket` (the local socket
//   the REGISTER arrived on); `received` and `socket` are nullable, `user_agent` defaults to ''.
// - silo has `username` and `domain` (as SER 0.9's silo has), so that a user's stored messages
//   can be found without parsing URIs; subscriber and pending have `rpid` (nullable, SER 0.9's).
// - date-times are UTC; SER's "0000-00-00 00:00:00" defaults (refused by PostgreSQL and by MySQL
//   in strict mode) are "1900-01-01 00:00:01"; MySQL's auto-updated `timestamp(14)` columns are
//   date-time columns defaulting to the time of insertion (`defaultNow`).
// - the version table is keyed by table_name, so that its rows can be inserted idempotently.
// - subscriber.phplib_id and pending.phplib_id (serweb's account id) are indexed, not unique: a
//   subscriber added without one (serctl add) must not collide with the next on ''.
// - SER's float(10,2) q is a double; tinyint/smallint/unsigned are int; BLOB/TEXT are strings
//   without a size.

export type ColType = 'int' | 'double' | 'string' | 'datetime';

export interface Column {
  readonly name: string;
  readonly type: ColType;
  /** VARCHAR(size) for strings; no size: unbounded text */
  readonly size?: number;
  /** NULL allowed (default: NOT NULL) */
  readonly nullable?: boolean;
  /** the value when an INSERT leaves the column out (datetime defaults as 'YYYY-MM-DD HH:MM:SS', UTC) */
  readonly default?: string | number | null;
  /** datetime only: defaults to the time of the insertion (SER's MySQL timestamp(14)) */
  readonly defaultNow?: boolean;
  /** autoincrement id (int, the table's primary key) */
  readonly auto?: boolean;
}

export interface Table {
  readonly name: string;
  /** the version SER's version table held for it */
  readonly version: number;
  readonly columns: readonly Column[];
  readonly primaryKey?: readonly string[];
  readonly unique?: readonly (readonly string[])[];
  readonly indexes?: readonly (readonly string[])[];
}

export type Dialect = 'sqlite' | 'mysql' | 'postgres';

/** SER's zero date-time, in a form every server accepts. */
export const ZERO_DATETIME = '1900-01-01 00:00:01';

/** The version table's name and columns (SER's config.h VERSION_TABLE, TABLENAME_COLUMN, VERSION_COLUMN). */
export const VERSION_TABLE = 'version';
export const VERSION_TABLE_NAME_COLUMN = 'table_name';
export const VERSION_TABLE_VERSION_COLUMN = 'table_version';

// --- column helpers (keep the table list below readable) -----------------------------------------

const str = (name: string, size: number | undefined, def: string | null = ''): Column =>
  def === null ? { name, type: 'string', ...(size !== undefined ? { size } : {}), nullable: true, default: null }
    : { name, type: 'string', ...(size !== undefined ? { size } : {}), default: def };
const strNull = (name: string, size?: number): Column => str(name, size, null);
const int = (name: string, def: number | null = 0): Column =>
  def === null ? { name, type: 'int', nullable: true, default: null } : { name, type: 'int', default: def };
const dbl = (name: string, def: number | null): Column =>
  def === null ? { name, type: 'double', nullable: true, default: null } : { name, type: 'double', default: def };
const dt = (name: string): Column => ({ name, type: 'datetime', default: ZERO_DATETIME });
const dtNull = (name: string): Column => ({ name, type: 'datetime', nullable: true, default: null });
const dtNow = (name: string): Column => ({ name, type: 'datetime', defaultNow: true });
const autoId = (name: string): Column => ({ name, type: 'int', auto: true });

/** acc and missed_calls share their columns (SER: "acc-like table"). */
const accColumns = (): Column[] => [
  str('sip_from', 128), str('sip_to', 128), str('sip_status', 128), str('sip_method', 16),
  str('i_uri', 128), str('o_uri', 128), str('from_uri', 128), str('to_uri', 128),
  str('sip_callid', 128), str('username', 64), str('domain', 128),
  str('fromtag', 128), str('totag', 128),
  dt('time'), dtNow('timestamp'),
];

/** location and aliases share their columns (SER: "location-like table"). */
const locationColumns = (): Column[] => [
  str('username', 64), str('domain', 128), str('contact', 255),
  strNull('received', 255),
  dtNull('expires'), dbl('q', null), strNull('callid', 255), int('cseq', null),
  dtNow('last_modified'),
  int('replicate', null), int('state', null), int('flags', 0),
  str('user_agent', 255),
  strNull('socket', 128),
];

/** subscriber and pending share their columns (pending: unconfirmed subscriptions). */
const subscriberColumns = (): Column[] => [
  str('phplib_id', 32), str('username', 64), str('domain', 128), str('password', 25),
  str('first_name', 25), str('last_name', 45), str('phone', 15), str('email_address', 50),
  dt('datetime_created'), dt('datetime_modified'),
  str('confirmation', 64), str('flag', 1, 'o'), str('sendnotification', 50), str('greeting', 50),
  str('ha1', 128), str('ha1b', 128), strNull('perms', 32), str('allow_find', 1, '0'),
  strNull('timezone', 128), strNull('rpid', 128),
];

export const TABLES: readonly Table[] = Object.freeze([
  {
    name: VERSION_TABLE, version: 1,
    columns: [str(VERSION_TABLE_NAME_COLUMN, 64, ''), int(VERSION_TABLE_VERSION_COLUMN, 0)],
    primaryKey: [VERSION_TABLE_NAME_COLUMN],
  },
  {
    name: 'subscriber', version: 2, columns: subscriberColumns(),
    primaryKey: ['username', 'domain'], indexes: [['username'], ['phplib_id']],
  },
  { name: 'reserved', version: 1, columns: [str('username', 64)], unique: [['username']] },
  {
    name: 'phonebook', version: 1,
    columns: [autoId('id'), str('username', 64), str('domain', 128), str('fname', 32), str('lname', 32), str('sip_uri', 128)],
    primaryKey: ['id'], indexes: [['username', 'domain']],
  },
  {
    name: 'pending', version: 2, columns: subscriberColumns(),
    primaryKey: ['username', 'domain'], indexes: [['username'], ['phplib_id']],
  },
  { name: 'missed_calls', version: 2, columns: accColumns(), indexes: [['username', 'domain']] },
  {
    name: 'location', version: 3, columns: locationColumns(),
    primaryKey: ['username', 'domain', 'contact'], indexes: [['expires']],
  },
  {
    name: 'grp', version: 2,
    columns: [str('username', 64), str('domain', 128), str('grp', 50), dt('last_modified')],
    primaryKey: ['username', 'domain', 'grp'],
  },
  {
    name: 'event', version: 1,
    columns: [autoId('id'), str('username', 64), str('domain', 128), str('uri', 255), str('description', 255)],
    primaryKey: ['id'],
  },
  {
    name: 'aliases', version: 3, columns: locationColumns(),
    primaryKey: ['username', 'domain', 'contact'], indexes: [['contact']],
  },
  {
    name: 'active_sessions', version: 1,
    columns: [str('sid', 32), str('name', 32), strNull('val'), str('changed', 14)],
    primaryKey: ['name', 'sid'], indexes: [['changed']],
  },
  { name: 'acc', version: 2, columns: accColumns(), indexes: [['username', 'domain'], ['sip_callid']] },
  {
    name: 'config', version: 1,
    columns: [
      { name: 'attribute', type: 'string', size: 32 }, { name: 'value', type: 'string', size: 128 },
      str('username', 64), str('domain', 128), dtNow('modified'),
    ],
  },
  {
    name: 'silo', version: 2,
    columns: [
      autoId('mid'), str('src_addr', 255), str('dst_addr', 255), str('r_uri', 255),
      str('username', 64), str('domain', 128),
      int('inc_time', 0), int('exp_time', 0), str('ctype', 32, 'text/plain'),
      { name: 'body', type: 'string' },
    ],
    primaryKey: ['mid'], indexes: [['username', 'domain']],
  },
  { name: 'domain', version: 1, columns: [str('domain', 128), dt('last_modified')], primaryKey: ['domain'] },
  {
    name: 'uri', version: 1,
    columns: [str('username', 64), str('domain', 128), str('uri_user', 50), dt('last_modified')],
    primaryKey: ['username', 'domain', 'uri_user'],
  },
].map((t) => Object.freeze(t as Table)));

const byName = new Map<string, Table>(TABLES.map((t) => [t.name, t]));

/** The table of that name (exact, case-sensitive), or undefined. */
export function table(name: string): Table | undefined {
  return byName.get(name);
}

/** The column of that name in the table, or undefined. */
export function column(t: Table, name: string): Column | undefined {
  for (const c of t.columns) if (c.name === name) return c;
  return undefined;
}

/** The key sets a replace may use: the primary key and every unique key. */
export function keySets(t: Table): (readonly string[])[] {
  const out: (readonly string[])[] = [];
  if (t.primaryKey) out.push(t.primaryKey);
  for (const u of t.unique ?? []) out.push(u);
  return out;
}

// --- date-times ----------------------------------------------------------------------------------

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** 'YYYY-MM-DD HH:MM:SS' in UTC, the form SQL servers and SQLite's CURRENT_TIMESTAMP use. */
export function formatDateTime(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const DT_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]00(?::?00)?)?$/;

/** Parses 'YYYY-MM-DD HH:MM:SS' (UTC; fractions dropped); undefined if it is not that form. */
export function parseDateTime(s: string): Date | undefined {
  const m = DT_RE.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? undefined : new Date(t);
}

// --- DDL -----------------------------------------------------------------------------------------

function q(dialect: Dialect, name: string): string {
  return dialect === 'mysql' ? '`' + name + '`' : '"' + name + '"';
}

function sqlLiteral(v: string | number | null): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') return String(v);
  return "'" + v.replace(/'/g, "''") + "'";
}

function colType(dialect: Dialect, c: Column): string {
  switch (c.type) {
    case 'int':
      return dialect === 'mysql' ? 'INT' : 'INTEGER';
    case 'double':
      return dialect === 'sqlite' ? 'REAL' : dialect === 'mysql' ? 'DOUBLE' : 'DOUBLE PRECISION';
    case 'string':
      return c.size !== undefined ? `VARCHAR(${c.size})` : 'TEXT';
    case 'datetime':
      // SQLite: TEXT 'YYYY-MM-DD HH:MM:SS' (UTC), which sorts and compares as time does.
      return dialect === 'sqlite' ? 'TEXT' : dialect === 'mysql' ? 'DATETIME' : 'TIMESTAMP(0)';
  }
}

function colDef(dialect: Dialect, c: Column): string {
  const name = q(dialect, c.name);
  if (c.auto) {
    if (dialect === 'sqlite') return `${name} INTEGER PRIMARY KEY AUTOINCREMENT`;
    if (dialect === 'mysql') return `${name} INT NOT NULL AUTO_INCREMENT PRIMARY KEY`;
    return `${name} SERIAL PRIMARY KEY`;
  }
  let s = `${name} ${colType(dialect, c)}`;
  s += c.nullable ? ' NULL' : ' NOT NULL';
  if (c.defaultNow) {
    s += dialect === 'postgres' ? " DEFAULT (CURRENT_TIMESTAMP AT TIME ZONE 'UTC')" : ' DEFAULT CURRENT_TIMESTAMP';
  } else if (c.default !== undefined && !(dialect === 'mysql' && c.type === 'string' && c.size === undefined)) {
    // (MySQL refuses defaults on TEXT columns)
    s += ' DEFAULT ' + sqlLiteral(c.default);
  }
  return s;
}

function indexName(t: Table, cols: readonly string[], kind: 'idx' | 'key'): string {
  return `${t.name}_${cols.join('_')}_${kind}`;
}

/** CREATE TABLE IF NOT EXISTS for one table, with its indexes (no version row). */
export function createTableStatements(dialect: Dialect, t: Table): string[] {
  const parts = t.columns.map((c) => colDef(dialect, c));
  const hasAuto = t.columns.some((c) => c.auto);
  if (t.primaryKey && !hasAuto) parts.push(`PRIMARY KEY (${t.primaryKey.map((n) => q(dialect, n)).join(', ')})`);
  for (const u of t.unique ?? []) {
    const cols = u.map((n) => q(dialect, n)).join(', ');
    parts.push(dialect === 'mysql' ? `UNIQUE KEY ${q(dialect, indexName(t, u, 'key'))} (${cols})` : `UNIQUE (${cols})`);
  }
  // MySQL has no CREATE INDEX IF NOT EXISTS: its indexes go inside CREATE TABLE.
  if (dialect === 'mysql') {
    for (const ix of t.indexes ?? []) parts.push(`INDEX ${q(dialect, indexName(t, ix, 'idx'))} (${ix.map((n) => q(dialect, n)).join(', ')})`);
  }
  const tail = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
  const out = [`CREATE TABLE IF NOT EXISTS ${q(dialect, t.name)} (\n  ${parts.join(',\n  ')}\n)${tail}`];
  if (dialect !== 'mysql') {
    for (const ix of t.indexes ?? []) {
      out.push(`CREATE INDEX IF NOT EXISTS ${q(dialect, indexName(t, ix, 'idx'))} ON ${q(dialect, t.name)} (${ix.map((n) => q(dialect, n)).join(', ')})`);
    }
  }
  return out;
}

/** The INSERT of a table's version row, doing nothing when the row is there. */
export function versionRowStatement(dialect: Dialect, t: Table): string {
  const cols = `${q(dialect, VERSION_TABLE)} (${q(dialect, VERSION_TABLE_NAME_COLUMN)}, ${q(dialect, VERSION_TABLE_VERSION_COLUMN)})`;
  const values = `VALUES (${sqlLiteral(t.name)}, ${t.version})`;
  if (dialect === 'sqlite') return `INSERT OR IGNORE INTO ${cols} ${values}`;
  if (dialect === 'mysql') return `INSERT IGNORE INTO ${cols} ${values}`;
  return `INSERT INTO ${cols} ${values} ON CONFLICT DO NOTHING`;
}

/**
 * Every statement that creates the schema: CREATE TABLE IF NOT EXISTS for each table, its indexes,
 * and one version row per table (not for `version` itself). Running them again changes nothing.
 */
export function createStatements(dialect: Dialect): string[] {
  const out: string[] = [];
  for (const t of TABLES) out.push(...createTableStatements(dialect, t));
  for (const t of TABLES) if (t.name !== VERSION_TABLE) out.push(versionRowStatement(dialect, t));
  return out;
}

// --- dbtext --------------------------------------------------------------------------------------

/** dbtext's type keyword: int, double, str, and `time` for date-times (SER's dbtext reads the
 * type by its first letter, so `datetime` would be taken for a double). */
export function dbtextType(c: Column): string {
  switch (c.type) {
    case 'int': return 'int';
    case 'double': return 'double';
    case 'string': return 'str';
    case 'datetime': return 'time';
  }
}

/** SER dbtext's first line of a table file: `name(type[,null|,auto])` separated by spaces. */
export function dbtextHeader(t: Table): string {
  return t.columns
    .map((c) => `${c.name}(${dbtextType(c)}${c.auto ? ',auto' : c.nullable ? ',null' : ''})`)
    .join(' ');
}
