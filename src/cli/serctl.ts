// serctl, SER's command-line management tool (admin guide §5.1): subscribers, aliases, ACLs in
// the database; user location, statistics and processes through ser's FIFO; starting and
// stopping ser. This file: the usage, the command line and the dispatch; each concept lives in
// a serctl-*.ts file of its own. Exit status: 0 done, 1 failed, 2 bad command line.

import { cmdAclGrant, cmdAclRevoke, cmdAclShow, DEFAULT_ACL_GROUPS, needGroups } from './serctl-acl.js';
import { SerctlContext, type SerctlIo } from './serctl-context.js';
import { cmdRestart, cmdStart, cmdStop } from './serctl-control.js';
import { cmdDb } from './serctl-db.js';
import { DEFAULT_DB_URL, DEFAULT_PID_FILE, SerctlError } from './serctl-env.js';
import { DEFAULT_FIFO, FifoError, removeReplyFifos } from './serctl-fifo.js';
import { cmdFifo, cmdMonitor, cmdPs } from './serctl-monitor.js';
import { terminalAsk } from '../db/db-init.js';
import { cmdAdd, cmdMail, cmdPasswd, cmdRm } from './serctl-subscribers.js';
import { cmdUac } from './serctl-uac.js';
import { cmdAlias, cmdShowdb, cmdUlAdd, cmdUlRm, cmdUlShow } from './serctl-usrloc.js';

export const SERCTL_USAGE = `usage: serctl [-f ser.cfg] <command> [<arguments>]
           * subscribers *
 serctl add <username> <password> <email> .. add a new subscriber (*)
 serctl passwd <username> <passwd> ......... change user's password (*)
 serctl rm <username> ...................... delete a user (*)
 serctl mail <username> .................... send an email to a user
 serctl alias show [<alias>] ............... show aliases
 serctl alias rm <alias> ................... remove an alias
 serctl alias add <alias> <uri> ............ add an aliases

           * access control lists *
 serctl acl show [<username>] .............. show user membership
 serctl acl grant <username> <group> ....... grant user membership (*)
 serctl acl revoke <username> [<group>] .... grant user membership(s) (*)

           * usrloc *
 serctl ul show [<username>]................ show in-RAM online users
 serctl ul rm <username> ................... delete user's UsrLoc entries
 serctl ul add <username> <uri> ............ introduce a permanent UrLoc entry
 serctl showdb [<username>] ................ show online users flushed in DB

           * server health *
 serctl monitor ............................ show internal status (also: moni)
 serctl ps ................................. show runnig processes
 serctl fifo <command> [<param>...] ........ send raw commands to FIFO
 serctl ping <uri> ......................... ping a URI (OPTIONS)
 serctl cisco_restart <uri> ................ restart a Cisco phone (NOTIFY)

           * server control *
 serctl start .............................. start ser
 serctl stop ............................... stop ser
 serctl restart ............................ restart ser
 serctl db create | upgrade ................ create or upgrade the database schema

   Commands labeled with (*) will prompt for a MySQL password.
   If the variable PW is set, the password will not be prompted.
   (Only a mysql/postgres db_url without a password needs one; sqlite and dbtext do not.)

     ACL privileges are: ${DEFAULT_ACL_GROUPS.join(' ')}

   environment:
     SIP_DOMAIN   your users' domain, the digest realm (required: export SIP_DOMAIN=foo.bar)
     PW           the database password
     SER_DB_URL   the database (else db_url of the config's usrloc/auth_db modparam, else ${DEFAULT_DB_URL})
     SER_CFG      the config file (as -f; default ./ser.cfg): db_url, fifo
     SER_FIFO     ser's FIFO (else fifo= of the config, else ${DEFAULT_FIFO})
     SER_PID_FILE the pid file start writes and stop reads (default ${DEFAULT_PID_FILE})
     WATCH_PERIOD seconds between monitor screens (default 2)
`;

/** A parsed command line. */
export interface SerctlArgs {
  readonly cfgFile: string | undefined;
  readonly cmd: string;
  readonly args: readonly string[];
}

/** Global options (-f file, -h) come before the command. */
export function parseArgs(argv: readonly string[]): SerctlArgs {
  let cfgFile: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f' || a === '--config') {
      const v = argv[++i];
      if (v === undefined) throw new SerctlError(`${a} needs the config file: serctl -f /etc/ser/ser.cfg <command>`, true);
      cfgFile = v;
    } else if (a.startsWith('--config=')) {
      cfgFile = a.slice('--config='.length);
    } else if (a === '-h' || a === '--help') {
      return { cfgFile, cmd: 'help', args: [] };
    } else if (a.startsWith('-') && a !== '-') {
      throw new SerctlError(`unknown option ${a}: serctl takes -f <config> before the command`, true);
    } else {
      break;
    }
  }
  return { cfgFile, cmd: argv[i] ?? '', args: argv.slice(i + 1) };
}

function arity(cmd: string, args: readonly string[], min: number, max: number, form: string): void {
  if (args.length < min || args.length > max) throw new SerctlError(`wrong number of arguments for ${cmd}: serctl ${form}`, true);
}

async function dispatch(ctx: SerctlContext, a: SerctlArgs, tty: boolean): Promise<number> {
  const { cmd, args } = a;
  switch (cmd) {
    case 'help':
    case '':
      ctx.out(SERCTL_USAGE);
      return 0;
    case 'add':
      arity(cmd, args, 3, 3, 'add <username> <password> <email>');
      return cmdAdd(ctx, args[0]!, args[1]!, args[2]!);
    case 'passwd':
      arity(cmd, args, 2, 2, 'passwd <username> <passwd>');
      return cmdPasswd(ctx, args[0]!, args[1]!);
    case 'rm':
      arity(cmd, args, 1, 1, 'rm <username>');
      return cmdRm(ctx, args[0]!);
    case 'mail':
      arity(cmd, args, 1, 1, 'mail <username>');
      return cmdMail(ctx, args[0]!);
    case 'alias':
      if (args.length === 0) throw new SerctlError('alias needs show, add or rm: serctl alias show [<alias>]', true);
      return cmdAlias(ctx, args[0]!, args.slice(1));
    case 'acl': {
      const [sub, ...rest] = args;
      if (sub === 'show') {
        arity('acl show', rest, 0, 1, 'acl show [<username>]');
        return cmdAclShow(ctx, rest[0]);
      }
      if (sub === 'grant') {
        arity('acl grant', rest, 2, Infinity, 'acl grant <username> <group> [<group>...]');
        return cmdAclGrant(ctx, rest[0]!, needGroups(rest.slice(1)));
      }
      if (sub === 'revoke') {
        arity('acl revoke', rest, 1, 2, 'acl revoke <username> [<group>]');
        return cmdAclRevoke(ctx, rest[0]!, rest[1]);
      }
      throw new SerctlError(`acl needs show, grant or revoke${sub ? ` (not '${sub}')` : ''}: serctl acl show [<username>]`, true);
    }
    case 'ul': {
      const [sub, ...rest] = args;
      if (sub === 'show') {
        arity('ul show', rest, 0, 1, 'ul show [<username>]');
        return cmdUlShow(ctx, 'location', rest[0]);
      }
      if (sub === 'rm') {
        arity('ul rm', rest, 1, 1, 'ul rm <username>');
        return cmdUlRm(ctx, 'location', rest[0]!);
      }
      if (sub === 'add') {
        arity('ul add', rest, 2, 2, 'ul add <username> <uri>');
        return cmdUlAdd(ctx, 'location', rest[0]!, rest[1]!);
      }
      throw new SerctlError(`ul needs show, rm or add${sub ? ` (not '${sub}')` : ''}: serctl ul show [<username>]`, true);
    }
    case 'showdb':
    case 'userdb':
      arity(cmd, args, 0, 1, 'showdb [<username>]');
      return cmdShowdb(ctx, args[0]);
    case 'monitor':
    case 'moni':
    case 'console':
    case 'con':
      arity(cmd, args, 0, 0, 'monitor');
      return cmdMonitor(ctx, tty);
    case 'ps':
      arity(cmd, args, 0, 0, 'ps');
      return cmdPs(ctx);
    case 'fifo':
      return cmdFifo(ctx, args);
    case 'ping':
      arity(cmd, args, 1, 1, 'ping <uri>');
      return cmdUac(ctx, 'OPTIONS', args[0]);
    case 'cisco_restart':
      arity(cmd, args, 1, 1, 'cisco_restart <uri>');
      return cmdUac(ctx, 'NOTIFY', args[0]);
    case 'start':
      arity(cmd, args, 0, 0, 'start');
      return cmdStart(ctx);
    case 'stop':
      arity(cmd, args, 0, 0, 'stop');
      return cmdStop(ctx);
    case 'restart':
      arity(cmd, args, 0, 0, 'restart');
      return cmdRestart(ctx);
    case 'db':
      arity(cmd, args, 1, 1, 'db create | serctl db upgrade');
      return cmdDb(ctx, args[0]);
    default:
      throw new SerctlError(`unknown command '${cmd}'`, true);
  }
}

export interface RunOptions {
  readonly io?: SerctlIo;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly tty?: boolean;
}

/** `serctl argv...`; returns the exit status. */
export async function run(argv: readonly string[], o: RunOptions = {}): Promise<number> {
  const io: SerctlIo = o.io ?? {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    ask: process.stdin.isTTY ? terminalAsk : undefined,
  };
  let ctx: SerctlContext | undefined;
  if (!o.io) {
    // Ctrl-C (monitor runs until then): no reply FIFO left behind in /tmp
    const stop = (sig: NodeJS.Signals): void => {
      removeReplyFifos();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  try {
    const a = parseArgs(argv);
    const env = o.env ?? process.env;
    const t = Number(env['SER_FIFO_TIMEOUT']);
    ctx = new SerctlContext(io, { env, cwd: o.cwd ?? process.cwd(), cfgFile: a.cfgFile }, t > 0 ? t * 1000 : 5000);
    return await dispatch(ctx, a, o.tty ?? Boolean(process.stdout.isTTY));
  } catch (err) {
    if (err instanceof SerctlError) {
      io.err(`serctl: ${err.message}\n`);
      if (err.usage) io.err("run 'serctl help' for the commands and their arguments\n");
      return err.usage ? 2 : 1;
    }
    if (err instanceof FifoError) {
      io.err(`serctl: ${err.message}\n`);
      return 1;
    }
    io.err(`serctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    try {
      await ctx?.close();
    } catch {
      // closing after a failure
    }
  }
}
