// Where serctl finds things: the SIP domain, the database, ser's FIFO and pid file. Each comes
// from the environment first (as SER's serctl: SIP_DOMAIN, PW, SER_FIFO), then from the config
// file (-f, SER_CFG, ./ser.cfg), then a default.
//
//   SIP_DOMAIN      the users' domain (the digest realm): required by add, passwd, rm, acl,
//                   showdb <user>, alias (with no server running), ping, cisco_restart
//   PW              the database password for a mysql/postgres db_url that has none
//   SER_DB_URL      the database; else the db_url modparam of usrloc, auth_db, group, acc... in
//                   the config; else sqlite://ser.db
//   SER_FIFO        ser's FIFO; else fifo= of the config; else /tmp/ser_fifo
//   SER_PID_FILE    ser's pid file for start/stop; else /tmp/ser.pid

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseScript } from '../script/parser.js';
import type { Value } from '../script/ast.js';
import { DEFAULT_FIFO } from './serctl-fifo.js';

export const DEFAULT_DB_URL = 'sqlite://ser.db';
export const DEFAULT_PID_FILE = '/tmp/ser.pid';
export const DEFAULT_CFG = 'ser.cfg';

/** A failure whose message says what to do; `usage` ones exit 2. */
export class SerctlError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
    this.name = 'SerctlError';
  }
}

/** What serctl took from the config file. */
export interface CfgSettings {
  readonly file: string | undefined;
  readonly dbUrl: string | undefined;
  /** the module whose modparam gave db_url */
  readonly dbUrlFrom: string | undefined;
  readonly fifo: string | undefined;
}

const valueText = (v: Value): string => (v.kind === 'string' ? v.value : v.text);

/** Modules whose db_url serctl's tables belong to, most relevant first. */
const DB_MODULES = ['usrloc', 'auth_db', 'group', 'domain', 'uri', 'acc'];

/** db_url and fifo from a config text (syntax only: modules are not loaded). */
export function settingsFromConfig(text: string, file: string): CfgSettings {
  const { script } = parseScript(text, file);
  const urls = new Map<string, string>();
  let fifo: string | undefined;
  for (const it of script.items) {
    if (it.type === 'modparam' && valueText(it.param) === 'db_url') {
      const mod = valueText(it.module);
      if (!urls.has(mod)) urls.set(mod, valueText(it.value));
    } else if (it.type === 'assign' && it.name === 'fifo' && it.values[0]) {
      fifo = valueText(it.values[0]);
    }
  }
  let dbUrl: string | undefined;
  let dbUrlFrom: string | undefined;
  for (const m of [...DB_MODULES, ...urls.keys()]) {
    const u = urls.get(m);
    if (u !== undefined) {
      dbUrl = u;
      dbUrlFrom = m;
      break;
    }
  }
  return { file, dbUrl, dbUrlFrom, fifo };
}

export interface Env {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** -f given on serctl's command line */
  readonly cfgFile?: string | undefined;
}

/** Reads the config file named by -f or SER_CFG (must exist), or ./ser.cfg (if it exists). */
export function loadCfgSettings(e: Env): CfgSettings {
  const named = e.cfgFile ?? e.env['SER_CFG'];
  const file = path.resolve(e.cwd, named ?? DEFAULT_CFG);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (named === undefined) return { file: undefined, dbUrl: undefined, dbUrlFrom: undefined, fifo: undefined };
    throw new SerctlError(`cannot read the config file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): check -f or SER_CFG`);
  }
  try {
    return settingsFromConfig(text, file);
  } catch (err) {
    throw new SerctlError(`cannot read db_url and fifo from ${file}: ${(err as Error).message}; check it with: ser -c -f ${file}`);
  }
}

/** The db_url serctl uses and where it came from (for messages). */
export function dbUrl(e: Env, cfg: CfgSettings): { url: string; from: string } {
  const env = e.env['SER_DB_URL'];
  if (env) return { url: env, from: 'SER_DB_URL' };
  if (cfg.dbUrl) return { url: cfg.dbUrl, from: `modparam("${cfg.dbUrlFrom}", "db_url") in ${cfg.file}` };
  return { url: DEFAULT_DB_URL, from: 'the default (set SER_DB_URL or give the config with -f)' };
}

export function fifoPath(e: Env, cfg: CfgSettings): string {
  const env = e.env['SER_FIFO'];
  if (env) return env;
  if (cfg.fifo) return path.resolve(e.cwd, cfg.fifo);
  return DEFAULT_FIFO;
}

export function pidFile(e: Env): string {
  return path.resolve(e.cwd, e.env['SER_PID_FILE'] || DEFAULT_PID_FILE);
}

/** SIP_DOMAIN, or an error saying to export it. */
export function sipDomain(e: Env): string {
  const d = e.env['SIP_DOMAIN'];
  if (!d) {
    throw new SerctlError(
      "SIP_DOMAIN is not set: export SIP_DOMAIN to your users' domain, the realm your ser.cfg authenticates with (e.g. export SIP_DOMAIN=foo.bar)",
    );
  }
  return d;
}

/** A mysql/postgres db_url without a password, given `pw`: the same URL with it. */
export function withPassword(url: string, pw: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^:@/?#]+)@/.exec(url);
  if (!m) return url;
  return `${m[1]}${m[2]}:${encodeURIComponent(pw)}@${url.slice(m[0].length)}`;
}
