// Parameters shared by the modules that read a database (usrloc, auth_db, group, domain): the
// db_url and opening it, and the table and column names, checked against the schema
// (src/db/schema.ts) when the module starts, so that a typo stops `ser` with a clear message
// instead of failing every request.

import type { Db } from '../db/api.js';
import { openDb } from '../db/open.js';
import { column as schemaColumn, table as schemaTable, TABLES } from '../db/schema.js';
import { parseDbUrl, redact } from '../db/url.js';
import type { Core } from '../script/core-api.js';
import type { ParamSpec, ParamValue } from '../script/module-api.js';
import { suggest } from '../util/suggest.js';

/** The database modules use when no db_url is given: ser.db in the working directory (as usrloc). */
export const DEFAULT_DB_URL = 'sqlite://ser.db';

/**
 * The database of a module's db_url (DEFAULT_DB_URL when empty), its notices logged under the
 * module's name; when it cannot be opened, an error that says which module, which URL (without
 * its password) and `why` it was needed, which stops `ser` at start.
 */
export async function openModuleDb(core: Core, module: string, p: Readonly<Record<string, ParamValue>>, why = ''): Promise<Db> {
  const url = String(p.db_url ?? '') || DEFAULT_DB_URL;
  try {
    return await openDb(url, { log: (m) => core.log.notice(`${module}: ${m}`) });
  } catch (e) {
    throw new Error(`${module}: the database of db_url "${redact(url)}"${why} cannot be opened: ${(e as Error).message}`, { cause: e });
  }
}

export function dbUrlParam(doc: string): ParamSpec {
  return {
    type: 'string',
    default: DEFAULT_DB_URL,
    check: (v) => {
      try {
        parseDbUrl(String(v));
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    doc,
  };
}

export const zeroOrOne = (v: ParamValue): string | undefined => (v === 0 || v === 1 ? undefined : `must be 0 or 1, not ${v}`);

/** A table name parameter: must name a table of the schema (checked with the configuration). */
export function tableParam(def: string, doc: string): ParamSpec {
  return {
    type: 'string',
    default: def,
    check: (v) => {
      if (schemaTable(String(v))) return undefined;
      const near = suggest(String(v), TABLES.map((t) => t.name));
      return `the schema has no table '${v}'` + (near ? ` (did you mean '${near}'?)` : '');
    },
    doc,
  };
}

/** A column name parameter: an identifier; that it is a column of the table is checked at start (checkColumns). */
export function columnParam(def: string, doc: string): ParamSpec {
  return {
    type: 'string',
    default: def,
    check: (v) => (/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(String(v)) ? undefined : `'${v}' is not a column name`),
    doc,
  };
}

/** Columns of a schema table, by a module's parameters (param name -> column name). */
export function checkColumns(module: string, table: string, cols: Readonly<Record<string, string>>): void {
  const t = schemaTable(table);
  if (!t) throw new Error(`${module}: the schema has no table '${table}'`);
  for (const [param, name] of Object.entries(cols)) {
    if (schemaColumn(t, name)) continue;
    const names = t.columns.map((c) => c.name);
    const near = suggest(name, names);
    throw new Error(
      `${module}: parameter ${param}: table '${table}' has no column '${name}'` +
        (near ? ` (did you mean '${near}'?)` : ` (its columns: ${names.join(', ')})`),
    );
  }
}
