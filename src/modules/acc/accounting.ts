// The acc module's work: which transactions are reported (flags), what is reported (fields.ts),
// where (the Logger at log_level, the acc and missed_calls tables), and exactly once.

import type { Row } from '../../db/api.js';
import { byteString } from '../../sip/edit.js';
import type { SipMessage } from '../../sip/parser/message.js';
import type { RequestContext } from '../../script/context.js';
import type { Logger } from '../../util/logger.js';
import type { Cell } from '../tm/cell.js';
import type { Completion } from '../tm/tm.js';
import type { AccDbWriter } from './db-writer.js';
import { DB_COLUMNS, field, fields, SQL_ACC_FMT, SQL_MC_FMT, type AccSource } from './fields.js';
import { formatLogLine, type LeadKind } from './log-line.js';
import { reasonOf, reasonPhrase } from './reason.js';
import { errorText } from '../../util/error-text.js';

export interface AccConfig {
  /** SER log level of the report lines */
  readonly logLevel: number;
  readonly logFmt: string;
  /** flag numbers; 0: off */
  readonly logFlag: number;
  readonly logMissedFlag: number;
  readonly dbFlag: number;
  readonly dbMissedFlag: number;
  /** report transactions with a final status >= 300 as answered too (with log_flag/db_flag) */
  readonly failedTransactions: boolean;
  /** report CANCEL transactions */
  readonly reportCancels: boolean;
  readonly tableAcc: string;
  readonly tableMissed: string;
}

export interface AccCounters {
  /** "transaction answered" reports (log lines / acc rows queued) */
  logAnswered: number;
  logMissed: number;
  logRequests: number;
  dbAnswered: number;
  dbMissed: number;
  dbRequests: number;
  /** completions that could not be reported (the request could not be had again) */
  errors: number;
}

/** Whether flag n (1..31; 0 means "not configured") is set in `flags`. */
export function flagSet(flags: number, n: number): boolean {
  return n > 0 && ((flags >>> n) & 1) === 1;
}

export class Accounting {
  readonly counters: AccCounters = { logAnswered: 0, logMissed: 0, logRequests: 0, dbAnswered: 0, dbMissed: 0, dbRequests: 0, errors: 0 };
  /** transactions already reported on completion: a second completion of one cell reports nothing */
  private readonly done = new WeakSet<object>();

  constructor(
    readonly cfg: AccConfig,
    readonly log: Logger,
    readonly db: AccDbWriter | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private logLine(kind: LeadKind, src: AccSource): void {
    this.log.log(this.cfg.logLevel, formatLogLine(kind, fields(src, this.cfg.logFmt)));
  }

  private dbRow(table: string, fmt: string, src: AccSource): void {
    if (!this.db) return;
    const row: Row = {};
    for (const f of fmt) row[DB_COLUMNS[f]!] = field(src, f).value;
    row.time = this.clock();
    this.db.insert(table, row);
  }

  /** tm's completion hook: the final response of a transaction is decided and sent upstream. */
  onComplete(c: Completion): void {
    const cell: Cell = c.cell;
    if (cell.kind !== 'proxy' || this.done.has(cell)) return;
    this.done.add(cell);
    const cfg = this.cfg;
    if (cell.method === 'CANCEL' && !cfg.reportCancels) return;
    const wanted = cfg.logFlag || cfg.dbFlag || cfg.logMissedFlag || cfg.dbMissedFlag;
    if (!wanted) return;
    let ctx: RequestContext | undefined;
    try {
      ctx = c.request();
    } catch (e) {
      ctx = undefined;
      this.log.err(`acc: the request of a completed ${cell.method} transaction cannot be read: ${errorText(e)}`);
    }
    if (!ctx) {
      this.counters.errors++;
      return;
    }
    const flags = ctx.flags;
    const toMsg: SipMessage = c.response ?? ctx.msg;
    const base = { msg: ctx.msg, newUri: ctx.newUri, authorized: ctx.authorized, toMsg };
    const status = c.status;
    if (status < 300 || cfg.failedTransactions) {
      // acc_log_reply/acc_db_reply: the status code alone
      const src: AccSource = { ...base, phrase: String(status) };
      if (flagSet(flags, cfg.logFlag)) {
        this.counters.logAnswered++;
        this.logLine('answered', src);
      }
      if (flagSet(flags, cfg.dbFlag)) {
        this.counters.dbAnswered++;
        this.dbRow(cfg.tableAcc, SQL_ACC_FMT, src);
      }
    }
    if (status >= 300 && cell.method === 'INVITE') {
      // acc_log_missed/acc_db_missed: the status line's code and reason (get_reply_status)
      const reason = c.response?.reason ?? reasonOf(cell.serverTx?.lastResponse, status) ?? reasonPhrase(status);
      const src: AccSource = { ...base, phrase: `${status} ${reason}` };
      if (flagSet(flags, cfg.logMissedFlag)) {
        this.counters.logMissed++;
        this.logLine('missed', src);
      }
      if (flagSet(flags, cfg.dbMissedFlag)) {
        this.counters.dbMissed++;
        this.dbRow(cfg.tableMissed, SQL_MC_FMT, src);
      }
    }
  }

  private scriptSource(ctx: RequestContext, comment: string): AccSource {
    return { msg: ctx.msg, newUri: ctx.newUri, authorized: ctx.authorized, toMsg: ctx.msg, phrase: byteString(comment) };
  }

  /** acc_log_request(comment) / acc_request(comment): a "request accounted" line now. */
  logRequest(ctx: RequestContext, comment: string): number {
    if (ctx.msg.method === 'CANCEL' && !this.cfg.reportCancels) return 1;
    this.counters.logRequests++;
    this.logLine('request', this.scriptSource(ctx, comment));
    return 1;
  }

  /** acc_db_request(comment, table): a row now (missed-calls layout: the callee's user and domain). */
  dbRequest(ctx: RequestContext, comment: string, table: string): number {
    if (ctx.msg.method === 'CANCEL' && !this.cfg.reportCancels) return 1;
    this.counters.dbRequests++;
    this.dbRow(table, SQL_MC_FMT, this.scriptSource(ctx, comment));
    return 1;
  }
}
