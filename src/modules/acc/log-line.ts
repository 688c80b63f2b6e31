// The syslog line of SER 0.8's acc (acc.c acc_log_request): "ACC: ", a leading text telling what
// happened, then "name=value" for each field of log_fmt, separated by ", ":
//
//   ACC: transaction answered: method=INVITE, i-uri=sip:bob@example.com, o-uri=sip:bob@10.0.0.2:5060, call_id=1-2@10.0.0.1, from=<sip:alice@example.com>;tag=42, code=200
//
// Values are printed as they are (no quoting), missing ones as "n/a".

import type { Field } from './fields.js';

/** acc.h's leading texts. */
export const LEAD = {
  /** a transaction labelled with log_flag completed (answered; or failed, with failed_transactions) */
  answered: 'transaction answered: ',
  /** an INVITE labelled with log_missed_flag completed with a status >= 300 */
  missed: 'call missed: ',
  /** acc_log_request() / acc_request() from the script */
  request: 'request accounted: ',
} as const;

export type LeadKind = keyof typeof LEAD;

/** The whole line, without the logger's prefix and without a line end. */
export function formatLogLine(kind: LeadKind, fs: readonly Field[]): string {
  let s = 'ACC: ' + LEAD[kind];
  for (let i = 0; i < fs.length; i++) {
    if (i > 0) s += ', ';
    s += fs[i]!.name + '=' + fs[i]!.value;
  }
  return s;
}
