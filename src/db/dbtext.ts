// SER's dbtext: a directory with one plain-text file per table, named like the table. The first
// line declares the columns, `name(type[,null|,auto])` separated by spaces, with the types int,
// double, str (string), time (date-time, as Unix seconds) and blob; every further line is a row,
// its values separated by ':'. In strings, '\' escapes: \n \r \t \\ \: \0; an empty value is NULL
// (so an empty string in a nullable column reads back as NULL after a restart: dbtext cannot tell
// them apart, as in SER). Example (location):
//
//   username(str) domain(str) contact(str) received(str,null) expires(time,null) q(double,null) ...
//   alice:example.org:sip\:alice@192.0.2.1\:5060::1893456000:0.5:...
//
// A table is read on first use and kept in memory; after a change the whole file is written again
// atomically (a temporary file in the same directory, then rename), changes made in the same tick
// going out in one write, and the operation resolves once its change is on disk. Files that are
// missing are created with their header line on open (the version file with a row per table).
// A file written by SER with fewer columns than the schema is read, and written back with the
// missing columns appended; columns the schema does not know are kept as they are.
// Changes made to the files by others while ser runs are not seen (as in SER 0.8). raw() is not
// supported (DbError 'unsupported').

import { mkdir, readdir, readFile, open as openFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DbError, type Db, type DbCapabilities, type DbCond, type DbQuery, type DbStats, type DbValue, type Row } from './api.js';
import { column as schemaColumn, dbtextHeader, formatDateTime, parseDateTime, TABLES, VERSION_TABLE, type Column, type Table } from './schema.js';
import { buildDelete, buildInsert, buildReplace, buildSelect, buildUpdate, checkReplaceKey, requireTable } from './sql-build.js';
import { parseDbUrl, type DbtextUrl } from './url.js';

export interface DbtextOptions {
  readonly log?: (msg: string) => void;
}

type FileType = 'int' | 'double' | 'str' | 'time' | 'blob';

/** A column as a file's header declares it. */
export interface DbtextColumn {
  readonly name: string;
  readonly type: FileType;
  readonly nullable: boolean;
  readonly auto: boolean;
}

const CAPS: DbCapabilities = Object.freeze({ query: true, insert: true, update: true, delete: true, replace: true, raw: false });

// --- the file format -----------------------------------------------------------------------------

function fileType(word: string): FileType | undefined {
  const w = word.toLowerCase();
  if (w === 'datetime' || w === 'date') return 'time'; // (SER would take these for doubles)
  switch (w[0]) { // SER reads the type by its first letter
    case 's': return 'str';
    case 'i': return 'int';
    case 'd': return 'double';
    case 'b': return 'blob';
    case 't': return 'time';
    default: return undefined;
  }
}

/** Parses a header line; throws Error saying what is wrong. */
export function parseDbtextHeader(line: string): DbtextColumn[] {
  const cols: DbtextColumn[] = [];
  const re = /\s*([^\s(]+)\s*\(\s*([A-Za-z]+)\s*(?:,\s*([A-Za-z]+)\s*)?\)\s*/y;
  let pos = 0;
  while (pos < line.length) {
    if (/^\s*$/.test(line.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(line);
    if (!m) throw new Error(`bad column declaration at "${line.slice(pos, pos + 40)}" (expected name(type[,null|,auto]))`);
    const type = fileType(m[2]!);
    if (!type) throw new Error(`column ${m[1]}: unknown type "${m[2]}" (int, double, str, time, blob)`);
    const flag = (m[3] ?? '').toLowerCase();
    if (flag !== '' && flag[0] !== 'n' && flag[0] !== 'a') throw new Error(`column ${m[1]}: unknown flag "${m[3]}" (null or auto)`);
    cols.push({ name: m[1]!, type, nullable: flag[0] === 'n', auto: flag[0] === 'a' && type === 'int' });
    pos = re.lastIndex;
  }
  if (cols.length === 0) throw new Error('no columns declared');
  return cols;
}

function formatHeader(cols: readonly DbtextColumn[]): string {
  return cols.map((c) => `${c.name}(${c.type}${c.auto ? ',auto' : c.nullable ? ',null' : ''})`).join(' ');
}

/** Escapes a string value as SER's dbtext writes it. */
export function escapeDbtext(s: string): string {
  return s.replace(/[\\:\n\r\t\0]/g, (c) => (c === '\\' ? '\\\\' : c === ':' ? '\\:' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : '\\0'));
}

const UNESCAPE: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '\\': '\\', ':': ':', '0': '\0' };

/** Splits a row line into raw (still escaped) fields on unescaped ':'. */
function splitFields(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x3a /* : */) {
      out.push(line.slice(start, i));
      start = i + 1;
    }
  }
  out.push(line.slice(start));
  return out;
}

function unescapeField(f: string): string {
  if (!f.includes('\\')) return f;
  let out = '';
  for (let i = 0; i < f.length; i++) {
    const c = f[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = f[++i];
    const u = n === undefined ? undefined : UNESCAPE[n];
    if (u === undefined) throw new Error(`bad escape "\\${n ?? ''}" (\\n \\r \\t \\\\ \\: \\0)`);
    out += u;
  }
  return out;
}

function formatDouble(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const f = n.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
  return /e/i.test(f) ? s : f;
}

// --- values --------------------------------------------------------------------------------------

type Stored = string | number | Date | null;

/** A value as the schema column holds it (numbers, strings, Dates cut to the second). */
function coerce(c: Column, v: DbValue, where: string): Stored {
  if (v === null) return null;
  switch (c.type) {
    case 'int':
    case 'double': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw new DbError(`${where}: ${JSON.stringify(v instanceof Date ? v.toISOString() : v)} is not a number`, 'bad-request');
      return c.type === 'int' ? Math.trunc(n) : n;
    }
    case 'string':
      return v instanceof Date ? formatDateTime(v) : String(v);
    case 'datetime': {
      if (v instanceof Date) return new Date(Math.floor(v.getTime() / 1000) * 1000);
      if (typeof v === 'number') return new Date(Math.floor(v) * 1000);
      const d = parseDateTime(v);
      if (!d) throw new DbError(`${where}: "${v}" is not a date-time (YYYY-MM-DD HH:MM:SS)`, 'bad-request');
      return d;
    }
  }
}

/** Compares two values of one column (neither NULL). */
function compare(a: Stored, b: Stored): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  const s = String(x);
  const t = String(y);
  return s < t ? -1 : s > t ? 1 : 0;
}

function matches(row: Record<string, Stored>, conds: readonly { col: string; op: string; value: Stored }[]): boolean {
  for (const c of conds) {
    const v = row[c.col] ?? null;
    if (c.value === null) {
      if ((c.op === '=') !== (v === null)) return false;
      continue;
    }
    if (v === null) return false;
    const r = compare(v, c.value);
    switch (c.op) {
      case '=': if (r !== 0) return false; break;
      case '!=': if (r === 0) return false; break;
      case '<': if (!(r < 0)) return false; break;
      case '>': if (!(r > 0)) return false; break;
      case '<=': if (!(r <= 0)) return false; break;
      case '>=': if (!(r >= 0)) return false; break;
      default: return false;
    }
  }
  return true;
}

// --- tables --------------------------------------------------------------------------------------

interface TableData {
  readonly t: Table;
  readonly file: string;
  /** the columns written to the file: its own header's, then the schema's it lacked */
  cols: DbtextColumn[];
  rows: Record<string, Stored>[];
  nextAuto: number;
  /** the write scheduled for this tick, shared by its changes */
  nextWrite: Promise<void> | undefined;
  /** the write under way (writes to one file never overlap) */
  writing: Promise<void>;
}

function schemaCols(t: Table): DbtextColumn[] {
  return parseDbtextHeader(dbtextHeader(t));
}

/** A stored value as a file field. */
function encodeField(v: Stored, fc: DbtextColumn): string {
  if (v === null || v === undefined) return '';
  switch (fc.type) {
    case 'int':
    case 'time':
      if (v instanceof Date) return String(Math.floor(v.getTime() / 1000));
      return typeof v === 'number' ? String(Math.trunc(v)) : escapeDbtext(String(v));
    case 'double':
      return typeof v === 'number' ? formatDouble(v) : escapeDbtext(v instanceof Date ? String(v.getTime() / 1000) : String(v));
    case 'str':
    case 'blob':
      return escapeDbtext(v instanceof Date ? formatDateTime(v) : String(v));
  }
}

/** A file field as the schema column holds it (raw file value for columns the schema lacks). */
function decodeField(f: string, fc: DbtextColumn, sc: Column | undefined): Stored {
  if (f === '') {
    if ((fc.type === 'str' || fc.type === 'blob') && sc && !sc.nullable) return '';
    return null;
  }
  let v: string | number;
  switch (fc.type) {
    case 'int':
    case 'time':
      if (!/^-?\d+$/.test(f)) throw new Error(`${fc.name}: "${f}" is not an integer`);
      v = Number(f);
      break;
    case 'double':
      v = Number(f);
      if (!Number.isFinite(v)) throw new Error(`${fc.name}: "${f}" is not a number`);
      break;
    default:
      v = unescapeField(f);
  }
  if (!sc) return v;
  if (sc.type === 'datetime' && typeof v === 'number') return new Date(v * 1000);
  return coerce(sc, v, fc.name);
}

function serialize(td: TableData): string {
  const lines = [formatHeader(td.cols)];
  for (const r of td.rows) lines.push(td.cols.map((c) => encodeField(r[c.name] ?? null, c)).join(':'));
  return lines.join('\n') + '\n';
}

let tmpCounter = 0;

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${++tmpCounter}`;
  const fh = await openFile(tmp, 'w', 0o640);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.datasync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

class DbtextDb implements Db {
  readonly caps = CAPS;
  readonly stats: DbStats = { queries: 0, errors: 0, reconnects: 0, connected: true, lastError: undefined };
  private readonly tables = new Map<string, Promise<TableData>>();
  private closed = false;

  constructor(readonly url: string, private readonly dir: string, private readonly log?: (msg: string) => void) {}

  private async load(t: Table): Promise<TableData> {
    let p = this.tables.get(t.name);
    if (!p) {
      p = this.read(t);
      this.tables.set(t.name, p);
      p.catch(() => this.tables.delete(t.name)); // a failed load is tried again next time
    }
    return p;
  }

  private async read(t: Table): Promise<TableData> {
    const file = join(this.dir, t.name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DbError(`dbtext: cannot read ${file}: ${(e as Error).message}`, 'unavailable', { cause: e });
      }
      text = dbtextHeader(t) + '\n';
      try {
        await writeAtomic(file, text);
      } catch (e2) {
        throw new DbError(`dbtext: cannot create ${file}: ${(e2 as Error).message}`, 'unavailable', { cause: e2 });
      }
    }
    const lines = text.split('\n');
    let cols: DbtextColumn[];
    try {
      cols = parseDbtextHeader(lines[0]!.replace(/\r$/, ''));
    } catch (e) {
      throw new DbError(`dbtext: ${file}:1: ${(e as Error).message}`, 'internal', { cause: e });
    }
    const fileCols = cols;
    const missing = schemaCols(t).filter((sc) => !fileCols.some((fc) => fc.name === sc.name));
    const rows: Record<string, Stored>[] = [];
    let maxAuto = 0;
    const autoCol = t.columns.find((c) => c.auto)?.name;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!.replace(/\r$/, '');
      if (line === '') continue;
      const fields = splitFields(line);
      if (fields.length !== fileCols.length) {
        throw new DbError(`dbtext: ${file}:${i + 1}: ${fields.length} values for ${fileCols.length} columns`, 'internal');
      }
      const row: Record<string, Stored> = {};
      try {
        fileCols.forEach((fc, k) => { row[fc.name] = decodeField(fields[k]!, fc, schemaColumn(t, fc.name)); });
      } catch (e) {
        throw new DbError(`dbtext: ${file}:${i + 1}: ${(e as Error).message}`, 'internal', { cause: e });
      }
      for (const sc of missing) row[sc.name] = defaultValue(t.columns.find((c) => c.name === sc.name)!, new Date());
      if (autoCol !== undefined && typeof row[autoCol] === 'number') maxAuto = Math.max(maxAuto, row[autoCol] as number);
      rows.push(row);
    }
    if (missing.length > 0 && lines.length > 1) this.log?.(`dbtext: ${file}: adding column${missing.length > 1 ? 's' : ''} ${missing.map((c) => c.name).join(', ')}`);
    return { t, file, cols: [...fileCols, ...missing], rows, nextAuto: maxAuto + 1, nextWrite: undefined, writing: Promise.resolve() };
  }

  /** Writes the table's file after this tick's changes; resolves when they are on disk. */
  private persist(td: TableData): Promise<void> {
    if (!td.nextWrite) {
      td.nextWrite = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          td.nextWrite = undefined;
          const w = td.writing.then(() => writeAtomic(td.file, serialize(td)));
          td.writing = w.catch(() => undefined);
          w.then(resolve, (e: unknown) => reject(new DbError(`dbtext: cannot write ${td.file}: ${(e as Error).message}`, 'unavailable', { cause: e })));
        });
      });
    }
    return td.nextWrite;
  }

  private fail(err: unknown, what: string): never {
    const e = err instanceof DbError ? err
      : new DbError(`${what}: ${err instanceof Error ? err.message : String(err)}`, 'internal', { cause: err });
    this.stats.errors++;
    this.stats.lastError = e.message.startsWith(what) ? e.message : `${what}: ${e.message}`;
    throw e;
  }

  private check(): void {
    if (this.closed) throw new DbError(`${this.url}: the database is closed`, 'unavailable');
  }

  private conds(t: Table, where: readonly DbCond[] | undefined): { col: string; op: string; value: Stored }[] {
    return (where ?? []).map((w) => ({ col: w.col, op: w.op ?? '=', value: coerce(schemaColumn(t, w.col)!, w.value, `${t.name}.${w.col}`) }));
  }

  /** The row's values coerced to the columns' types. */
  private values(t: Table, row: Row): [string, Stored][] {
    const out: [string, Stored][] = [];
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      const c = schemaColumn(t, k)!;
      const s = coerce(c, v, `${t.name}.${k}`);
      if (s === null && !c.nullable && !c.auto) throw new DbError(`${t.name}.${k}: NOT NULL constraint failed`, 'constraint');
      out.push([k, s]);
    }
    return out;
  }

  /** DbError 'constraint' if `row` has the key values of another row (primary key, unique keys). */
  private checkUnique(td: TableData, row: Record<string, Stored>, self?: Record<string, Stored>): void {
    const t = td.t;
    const sets = [...(t.primaryKey ? [t.primaryKey] : []), ...(t.unique ?? [])];
    for (const ks of sets) {
      if (ks.some((k) => row[k] === null || row[k] === undefined)) continue;
      for (const other of td.rows) {
        if (other === self) continue;
        if (ks.every((k) => other[k] !== null && other[k] !== undefined && compare(other[k]!, row[k]!) === 0)) {
          throw new DbError(`${t.name}: UNIQUE constraint failed: (${ks.join(', ')}) = (${ks.map((k) => String(row[k] instanceof Date ? formatDateTime(row[k] as Date) : row[k])).join(', ')})`, 'constraint');
        }
      }
    }
  }

  private insertRow(td: TableData, row: Row): void {
    const given = new Map(this.values(td.t, row));
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const full: Record<string, Stored> = {};
    for (const c of td.t.columns) {
      if (given.has(c.name)) full[c.name] = given.get(c.name)!;
      else if (c.auto) full[c.name] = td.nextAuto;
      else {
        const d = defaultValue(c, now);
        if (d === null && !c.nullable) throw new DbError(`${td.t.name}.${c.name}: NOT NULL constraint failed (no value and no default)`, 'constraint');
        full[c.name] = d;
      }
    }
    // columns of the file the schema does not know
    for (const fc of td.cols) if (!(fc.name in full)) full[fc.name] = null;
    const auto = td.t.columns.find((c) => c.auto);
    if (auto && full[auto.name] === null) full[auto.name] = td.nextAuto;
    this.checkUnique(td, full);
    if (auto && typeof full[auto.name] === 'number') td.nextAuto = Math.max(td.nextAuto, (full[auto.name] as number) + 1);
    td.rows.push(full);
  }

  private updateRows(td: TableData, targets: Record<string, Stored>[], set: [string, Stored][]): void {
    // check first, change after: an update that fails changes nothing
    const changed = targets.map((r) => {
      const n = { ...r };
      for (const [k, v] of set) n[k] = v;
      return n;
    });
    if (set.some(([k]) => (td.t.primaryKey ?? []).includes(k) || (td.t.unique ?? []).some((u) => u.includes(k)))) {
      const rest = td.rows.filter((r) => !targets.includes(r));
      const probe: TableData = { ...td, rows: rest };
      for (const n of changed) {
        this.checkUnique(probe, n);
        rest.push(n);
      }
    }
    targets.forEach((r, i) => Object.assign(r, changed[i]));
  }

  async query(table: string, q: DbQuery = {}): Promise<Row[]> {
    try {
      this.check();
      buildSelect('sqlite', table, q); // the same checks as the SQL adapters
      const t = requireTable(table);
      const conds = this.conds(t, q.where);
      this.stats.queries++;
      const td = await this.load(t);
      let rows = td.rows.filter((r) => matches(r, conds));
      if (q.orderBy !== undefined) {
        const k = q.orderBy;
        const dir = q.desc ? -1 : 1;
        rows = [...rows].sort((a, b) => {
          const x = a[k] ?? null;
          const y = b[k] ?? null;
          if (x === null || y === null) return x === y ? 0 : (x === null ? -1 : 1) * dir; // NULLs first ascending
          return compare(x, y) * dir;
        });
      }
      if (q.limit !== undefined) rows = rows.slice(0, q.limit);
      const cols = q.columns ?? t.columns.map((c) => c.name);
      return rows.map((r) => {
        const out: Row = {};
        for (const c of cols) {
          const v = r[c] ?? null;
          out[c] = v instanceof Date ? new Date(v.getTime()) : v;
        }
        return out;
      });
    } catch (e) {
      this.fail(e, `query ${table}`);
    }
  }

  async insert(table: string, row: Row): Promise<void> {
    try {
      this.check();
      buildInsert('sqlite', table, row);
      const t = requireTable(table);
      this.stats.queries++;
      const td = await this.load(t);
      this.insertRow(td, row);
      await this.persist(td);
    } catch (e) {
      this.fail(e, `insert into ${table}`);
    }
  }

  async update(table: string, where: readonly DbCond[], set: Row): Promise<number> {
    try {
      this.check();
      buildUpdate('sqlite', table, where, set);
      const t = requireTable(table);
      const conds = this.conds(t, where);
      const values = this.values(t, set);
      this.stats.queries++;
      const td = await this.load(t);
      const targets = td.rows.filter((r) => matches(r, conds));
      if (targets.length === 0) return 0;
      this.updateRows(td, targets, values);
      await this.persist(td);
      return targets.length;
    } catch (e) {
      this.fail(e, `update ${table}`);
    }
  }

  async delete(table: string, where?: readonly DbCond[]): Promise<number> {
    try {
      this.check();
      buildDelete('sqlite', table, where);
      const t = requireTable(table);
      const conds = this.conds(t, where);
      this.stats.queries++;
      const td = await this.load(t);
      const before = td.rows.length;
      td.rows = td.rows.filter((r) => !matches(r, conds));
      const n = before - td.rows.length;
      if (n > 0) await this.persist(td);
      return n;
    } catch (e) {
      this.fail(e, `delete from ${table}`);
    }
  }

  async replace(table: string, row: Row, key: readonly string[]): Promise<void> {
    try {
      this.check();
      buildReplace('sqlite', table, row, key);
      const t = requireTable(table);
      checkReplaceKey(t, row, key);
      const values = this.values(t, row);
      const keyConds = key.map((k) => ({ col: k, op: '=', value: values.find(([n]) => n === k)![1] }));
      this.stats.queries++;
      const td = await this.load(t);
      const existing = td.rows.filter((r) => matches(r, keyConds));
      if (existing.length === 0) this.insertRow(td, row);
      else this.updateRows(td, existing, values.filter(([k]) => !key.includes(k)));
      await this.persist(td);
    } catch (e) {
      this.fail(e, `replace into ${table}`);
    }
  }

  async raw(): Promise<Row[]> {
    try {
      throw new DbError('dbtext does not take raw SQL (use query/insert/update/delete/replace)', 'unsupported');
    } catch (e) {
      this.fail(e, 'raw');
    }
  }

  /** Waits for the files to be written, then refuses further calls. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stats.connected = false;
    for (const p of this.tables.values()) {
      const td = await p.catch(() => undefined);
      if (!td) continue;
      await td.nextWrite?.catch(() => undefined);
      await td.writing;
    }
  }
}

function defaultValue(c: Column, now: Date): Stored {
  if (c.defaultNow) return now;
  if (c.default === undefined || c.default === null) return null;
  return coerce(c, c.default, c.name);
}

/**
 * Opens a dbtext directory (creating it, and the table files that are missing with their header
 * lines and version rows); DbError 'unavailable' with the path and the reason when it cannot.
 */
export async function openDbtext(u: DbtextUrl | string, o: DbtextOptions = {}): Promise<Db> {
  const parsed = typeof u === 'string' ? parseDbUrl(u) : u;
  if (parsed.kind !== 'dbtext') throw new DbError(`openDbtext: not a dbtext: URL (${parsed.url})`, 'bad-request');
  const dir = parsed.dir;
  let present: Set<string>;
  try {
    await mkdir(dir, { recursive: true });
    present = new Set(await readdir(dir));
  } catch (e) {
    throw new DbError(`dbtext directory ${dir}: cannot create or read it: ${(e as Error).message}`, 'unavailable', { cause: e });
  }
  const db = new DbtextDb(parsed.url, dir, o.log);
  const missing = TABLES.filter((t) => !present.has(t.name));
  if (missing.length > 0) {
    try {
      // loading a missing table creates its file with the header line
      for (const t of missing) await db.query(t.name, { limit: 0 });
      for (const t of missing) {
        if (t.name === VERSION_TABLE) continue;
        const have = await db.query(VERSION_TABLE, { where: [{ col: 'table_name', value: t.name }] });
        if (have.length === 0) await db.insert(VERSION_TABLE, { table_name: t.name, table_version: t.version });
      }
    } catch (e) {
      await db.close();
      throw e instanceof DbError && e.code === 'unavailable' ? e
        : new DbError(`dbtext directory ${dir}: ${(e as Error).message}`, 'unavailable', { cause: e });
    }
    o.log?.(`dbtext: ${dir}: created table file${missing.length > 1 ? 's' : ''} ${missing.map((t) => t.name).join(', ')}`);
  }
  return db;
}
