import { column as schemaColumn, table as schemaTable } from '../../db/schema.js';
import type { Value } from '../../script/ast.js';
import type { Core } from '../../script/core-api.js';
import { MAX_FLAG } from '../../script/core-config.js';
import { defineModule, REQUEST_ROUTE, type FixupContext, type ParamSpec, type ParamValue } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { L_ALERT, L_DBG, L_NOTICE } from '../../util/logger.js';
import { dbUrlParam, tableParam, zeroOrOne } from '../db-params.js';
import { tmOf } from '../tm/index.js';
import { Accounting, type AccConfig } from './accounting.js';
import { AccDbWriter } from './db-writer.js';
import { checkLogFmt, DB_COLUMNS, DEFAULT_LOG_FMT } from './fields.js';

export { Accounting, flagSet, type AccConfig, type AccCounters } from './accounting.js';
export { AccDbWriter, type AccDbStats } from './db-writer.js';
export { ALL_FIELDS, ATTR_NAMES, checkLogFmt, DEFAULT_LOG_FMT, field, fields, NA, SQL_ACC_FMT, SQL_MC_FMT, type AccSource, type Field } from './fields.js';
export { formatLogLine, LEAD } from './log-line.js';

/** The acc module's state: the reporter, its counters, and the database writer's counters. */
export interface AccState {
  readonly acc: Accounting;
  readonly db: AccDbWriter;
}

// Whether the script calls acc_db_request(), per loaded configuration (the fixups run before
// create(), with the same parameter object): then the database is opened at start.
const usesDb = new WeakSet<object>();

function flagParam(doc: string): ParamSpec {
  return {
    type: 'int',
    default: 0,
    check: (v) => (typeof v === 'number' && v >= 0 && v <= MAX_FLAG ? undefined : `must be a flag number 1..${MAX_FLAG} (0: off), not ${v}`),
    doc,
  };
}

function commentArg(args: readonly Value[], fx: FixupContext): string {
  const c = argString(args, 0);
  if (c === '') throw fx.error(0, 'the comment is empty', 'give the status to report, e.g. "404 Not Found"');
  return c;
}

/** A table of the schema with the acc columns (acc, missed_calls). */
function accTableArg(args: readonly Value[], fx: FixupContext): string {
  const name = argString(args, 1);
  const t = schemaTable(name);
  if (!t) throw fx.error(1, `acc_db_request: the schema has no table '${name}'`, 'use "acc" or "missed_calls"');
  for (const col of [...new Set(Object.values(DB_COLUMNS)), 'time']) {
    if (!schemaColumn(t, col)) throw fx.error(1, `acc_db_request: table '${name}' has no column '${col}'`, 'use "acc" or "missed_calls"');
  }
  return name;
}

async function createAcc(core: Core, p: Readonly<Record<string, ParamValue>>): Promise<AccState> {
  const tm = tmOf(core);
  if (!tm) throw new Error('acc: needs the tm module loaded before it');
  const cfg: AccConfig = {
    logLevel: p.log_level as number,
    logFmt: String(p.log_fmt),
    logFlag: p.log_flag as number,
    logMissedFlag: p.log_missed_flag as number,
    dbFlag: p.db_flag as number,
    dbMissedFlag: p.db_missed_flag as number,
    failedTransactions: p.failed_transactions === 1,
    reportCancels: p.report_cancels === 1,
    tableAcc: String(p.db_table_acc),
    tableMissed: String(p.db_table_missed_calls),
  };
  const log = core.log;
  const db = new AccDbWriter(String(p.db_url), { err: (m) => log.err(m), notice: (m) => log.notice(m) });
  // open now when the database will be written, so that a wrong db_url shows at start; a failure
  // is logged and counted, and routing goes on (each row tries again, at most every 5 s)
  if (cfg.dbFlag || cfg.dbMissedFlag || usesDb.has(p)) await db.connect();
  const acc = new Accounting(cfg, log, db);
  tm.onComplete((c) => acc.onComplete(c));
  return { acc, db };
}

/**
 * SER 0.8's acc module: reports on completed transactions to the log (syslog) and to the acc and
 * missed_calls tables; acc_log_request()/acc_db_request() report a request from the script.
 */
export default defineModule<AccState>({
  name: 'acc',
  doc: 'accounting: completed transactions and missed calls reported to syslog and to the acc and missed_calls tables (SER acc module)',
  depends: ['tm'],
  params: {
    log_level: {
      type: 'int',
      default: L_NOTICE,
      check: (v) => (typeof v === 'number' && v >= L_ALERT && v <= L_DBG ? undefined : `must be a SER log level ${L_ALERT}..${L_DBG}, not ${v}`),
      doc: 'the log level of the report lines (SER levels: -3 alert .. 4 debug; default 2, notice); printed when the `debug` option is at least this',
    },
    log_fmt: {
      type: 'string',
      default: DEFAULT_LOG_FMT,
      check: (v) => checkLogFmt(String(v)),
      doc: 'the fields of a report line, one letter each, in order (see the field table); default "miocfs"',
    },
    log_flag: flagParam('transactions whose request has this flag set are reported to the log when they complete (0: none)'),
    log_missed_flag: flagParam('INVITE transactions with this flag that complete with a status >= 300 are reported to the log as missed calls (0: none)'),
    failed_transactions: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: transactions with log_flag/db_flag that complete with a status >= 300 are reported as answered too; 0: only 1xx-2xx completions',
    },
    report_cancels: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: CANCEL transactions are reported like any other; 0: never',
    },
    db_url: dbUrlParam('the database of the acc and missed_calls tables (default sqlite://ser.db)'),
    db_flag: flagParam('transactions whose request has this flag set get a row in the acc table when they complete (0: none)'),
    db_missed_flag: flagParam('INVITE transactions with this flag that complete with a status >= 300 get a row in the missed_calls table (0: none)'),
    db_table_acc: tableParam('acc', 'the table of completed transactions'),
    db_table_missed_calls: tableParam('missed_calls', 'the table of missed calls'),
  },
  functions: {
    acc_log_request: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: commentArg,
      run: (st, ctx, c) => st.acc.logRequest(ctx, c as string),
      doc: 'acc_log_request("404 Not Found"): report this request to the log now ("request accounted"), with the comment as its status',
    },
    acc_request: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: commentArg,
      run: (st, ctx, c) => st.acc.logRequest(ctx, c as string),
      doc: 'acc_request("404 Not Found"): the older name of acc_log_request (admin guide §3.2.8)',
    },
    acc_db_request: {
      arities: [2],
      routes: REQUEST_ROUTE,
      fixup: (args, fx) => {
        const comment = commentArg(args, fx);
        const table = accTableArg(args, fx);
        usesDb.add(fx.params);
        return { comment, table };
      },
      run: (st, ctx, a) => {
        const { comment, table } = a as { comment: string; table: string };
        return st.acc.dbRequest(ctx, comment, table);
      },
      doc: 'acc_db_request("404 Not Found", "missed_calls"): write a row for this request into that table now (user and domain of the callee)',
    },
  },
  create: createAcc,
  destroy: (st) => st.db.close(),
});
