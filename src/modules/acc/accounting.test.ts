import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db, Row } from '../../db/api.js';
import { parseMessage, type SipMessage } from '../../sip/parser/message.js';
import type { RequestContext } from '../../script/context.js';
import { Logger, MemorySink } from '../../util/logger.js';
import type { Completion } from '../tm/tm.js';
import { Accounting, flagSet, type AccConfig } from './accounting.js';
import { AccDbWriter } from './db-writer.js';
import { checkLogFmt, fields, NA, type AccSource } from './fields.js';
import { formatLogLine } from './log-line.js';

const INVITE =
  'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n' +
  'From: "Alice" <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.com>\r\nCall-ID: c1@10.0.0.1\r\n' +
  'CSeq: 7 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';
const OK = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: "Alice" <sip:alice@example.org>;tag=a1\r\n' +
  'To: <sip:bob@example.com>;tag=b2\r\nCall-ID: c1@10.0.0.1\r\nCSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n';
const BUSY = OK.replace('200 OK', '486 Busy Here');

const msg = (s: string): SipMessage => parseMessage(Buffer.from(s, 'latin1'), 'datagram');

function cfg(o: Partial<AccConfig> = {}): AccConfig {
  return {
    logLevel: 1, logFmt: 'miocfs', logFlag: 1, logMissedFlag: 3, dbFlag: 0, dbMissedFlag: 0,
    failedTransactions: false, reportCancels: false, tableAcc: 'acc', tableMissed: 'missed_calls', ...o,
  };
}

function ctxOf(m: SipMessage, flags: number, newUri?: string): RequestContext {
  return { msg: m, flags, newUri, authorized: undefined } as unknown as RequestContext;
}

function completion(ctx: RequestContext, status: number, response: SipMessage | undefined, method = 'INVITE', cell: object = { kind: 'proxy', method }): Completion {
  return { cell, status, request: () => ctx, response, local: !response } as unknown as Completion;
}

function setup(o: Partial<AccConfig> = {}, db?: AccDbWriter) {
  const sink = new MemorySink();
  const acc = new Accounting(cfg(o), new Logger(sink, 2), db, () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  const lines = () => sink.lines.filter((l) => l.includes('ACC: ')).map((l) => l.replace(/^\d+\(\d+\) /, '').trimEnd());
  return { acc, lines };
}

test('log line: SER 0.8 format, default log_fmt "miocfs"', () => {
  const src: AccSource = { msg: msg(INVITE), newUri: 'sip:bob@10.0.0.2:5060', authorized: undefined, toMsg: msg(OK), phrase: '200' };
  assert.equal(
    formatLogLine('answered', fields(src, 'miocfs')),
    'ACC: transaction answered: method=INVITE, i-uri=sip:bob@example.com, o-uri=sip:bob@10.0.0.2:5060, ' +
      'call_id=c1@10.0.0.1, from="Alice" <sip:alice@example.org>;tag=a1, code=200',
  );
});

test('log line: every field letter, missing values are n/a', () => {
  const src: AccSource = { msg: msg(INVITE), newUri: undefined, authorized: undefined, toMsg: msg(INVITE), phrase: '404 Not Found' };
  const line = formatLogLine('request', fields(src, 'cdfimorstup01FTUSnDX'));
  assert.equal(
    line,
    'ACC: request accounted: call_id=c1@10.0.0.1, totag=n/a, from="Alice" <sip:alice@example.org>;tag=a1, ' +
      'i-uri=sip:bob@example.com, method=INVITE, o-uri=sip:bob@example.com, fromtag=a1, code=404 Not Found, ' +
      'to=<sip:bob@example.com>, uid=n/a, userpart=bob, fromuser=alice, touser=bob, fromuri=sip:alice@example.org, ' +
      'touri=sip:bob@example.com, fromuri=sip:alice@example.org, statuscode=404, cseq=7, domain=example.com, fromdomain=example.org',
  );
  assert.equal(NA, 'n/a');
});

test('log_fmt is checked', () => {
  assert.equal(checkLogFmt('miocfs'), undefined);
  assert.match(checkLogFmt('miq') ?? '', /unknown field 'q'/);
  assert.match(checkLogFmt('') ?? '', /at least one/);
});

test('flags: 0 is off, others are bits of the request flags', () => {
  assert.equal(flagSet(0b10, 1), true);
  assert.equal(flagSet(0b10, 2), false);
  assert.equal(flagSet(0xffffffff, 0), false);
  assert.equal(flagSet(0x80000000, 31), true);
});

test('answered only with log_flag; missed only for INVITE >= 300 with log_missed_flag', () => {
  const { acc, lines } = setup();
  acc.onComplete(completion(ctxOf(msg(INVITE), 0), 200, msg(OK))); // no flag
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 1), 200, msg(OK)));
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 1), 486, msg(BUSY))); // failed, not reported as answered
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 3), 486, msg(BUSY)));
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 3), 200, msg(OK))); // not missed
  assert.deepEqual(lines(), [
    'ACC: transaction answered: method=INVITE, i-uri=sip:bob@example.com, o-uri=sip:bob@example.com, call_id=c1@10.0.0.1, from="Alice" <sip:alice@example.org>;tag=a1, code=200',
    'ACC: call missed: method=INVITE, i-uri=sip:bob@example.com, o-uri=sip:bob@example.com, call_id=c1@10.0.0.1, from="Alice" <sip:alice@example.org>;tag=a1, code=486 Busy Here',
  ]);
  assert.equal(acc.counters.logAnswered, 1);
  assert.equal(acc.counters.logMissed, 1);
});

test('failed_transactions reports >= 300 as answered; CANCEL only with report_cancels', () => {
  const { acc, lines } = setup({ failedTransactions: true });
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 1), 486, msg(BUSY)));
  const cancel = msg(INVITE.replace('INVITE sip', 'CANCEL sip').replace('7 INVITE', '7 CANCEL'));
  acc.onComplete(completion(ctxOf(cancel, 1 << 1), 200, undefined, 'CANCEL'));
  assert.equal(lines().length, 1);
  assert.match(lines()[0]!, /answered: .*code=486$/);
  const r = setup({ reportCancels: true });
  r.acc.onComplete(completion(ctxOf(cancel, 1 << 1), 200, undefined, 'CANCEL'));
  assert.equal(r.lines().length, 1);
});

test('exactly once: a second completion of the same transaction reports nothing', () => {
  const { acc, lines } = setup();
  const cell = { kind: 'proxy', method: 'INVITE' };
  const ctx = ctxOf(msg(INVITE), 1 << 1);
  acc.onComplete(completion(ctx, 200, msg(OK), 'INVITE', cell));
  acc.onComplete(completion(ctx, 200, msg(OK), 'INVITE', cell));
  assert.equal(lines().length, 1);
});

test('a local final reply reports the reason it was sent with', () => {
  const { acc, lines } = setup();
  const cell = { kind: 'proxy', method: 'INVITE', serverTx: { lastResponse: Buffer.from('SIP/2.0 404 Nobody Home\r\n\r\n') } };
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 3), 404, undefined, 'INVITE', cell));
  assert.match(lines()[0]!, /call missed: .*code=404 Nobody Home$/);
  const timeout = { kind: 'proxy', method: 'INVITE' };
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 3), 408, undefined, 'INVITE', timeout));
  assert.match(lines()[1]!, /code=408 Request Timeout$/);
});

test('acc_log_request reports now with the comment as status', () => {
  const { acc, lines } = setup();
  assert.equal(acc.logRequest(ctxOf(msg(INVITE), 0), '404 Not Found'), 1);
  assert.match(lines()[0]!, /^ACC: request accounted: method=INVITE, .*code=404 Not Found$/);
});

test('text as it reads: a UTF-8 display name and a comment are not shown byte by byte', async () => {
  const f = fakeDb(() => false);
  const w = new AccDbWriter('sqlite://x.db', { err: () => {}, open: async () => f.db });
  const { acc, lines } = setup({ logFmt: 'fs', dbFlag: 1 }, w);
  // the datagram's bytes, as the parser has them: one char per byte
  const jurgen = parseMessage(Buffer.from(INVITE.replace('"Alice"', '"Jürgen Größ"'), 'utf8'), 'datagram');
  acc.logRequest(ctxOf(jurgen, 0), 'Nicht erreichbar – später');
  acc.onComplete(completion(ctxOf(jurgen, 1 << 1), 200, msg(OK)));
  await w.flush();
  assert.deepEqual(lines(), [
    'ACC: request accounted: from="Jürgen Größ" <sip:alice@example.org>;tag=a1, code=Nicht erreichbar – später',
    'ACC: transaction answered: from="Jürgen Größ" <sip:alice@example.org>;tag=a1, code=200',
  ]);
  assert.equal(f.rows[0]!.row.sip_from, '"Jürgen Größ" <sip:alice@example.org>;tag=a1');
});

function fakeDb(fail: (table: string) => boolean): { db: Db; rows: { table: string; row: Row }[] } {
  const rows: { table: string; row: Row }[] = [];
  const db = {
    insert: async (table: string, row: Row) => {
      if (fail(table)) throw new Error('connection lost');
      rows.push({ table, row });
    },
    close: async () => {},
  } as unknown as Db;
  return { db, rows };
}

test('database rows: acc with the caller, missed_calls with the callee, SER column meanings', async () => {
  const f = fakeDb(() => false);
  const w = new AccDbWriter('sqlite://x.db', { err: () => {}, open: async () => f.db });
  const { acc } = setup({ dbFlag: 1, dbMissedFlag: 3, logFlag: 0, logMissedFlag: 0 }, w);
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 1, 'sip:bob@10.0.0.2'), 200, msg(OK)));
  acc.onComplete(completion(ctxOf(msg(INVITE), 1 << 3), 486, msg(BUSY)));
  await w.flush();
  const time = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const common = {
    from_uri: 'sip:alice@example.org', to_uri: 'sip:bob@example.com', sip_method: 'INVITE', i_uri: 'sip:bob@example.com',
    sip_from: '"Alice" <sip:alice@example.org>;tag=a1', sip_callid: 'c1@10.0.0.1', sip_to: '<sip:bob@example.com>;tag=b2',
    totag: 'b2', fromtag: 'a1', time,
  };
  assert.deepEqual(f.rows, [
    { table: 'acc', row: { ...common, o_uri: 'sip:bob@10.0.0.2', sip_status: '200', username: 'alice', domain: 'example.org' } },
    { table: 'missed_calls', row: { ...common, o_uri: 'sip:bob@example.com', sip_status: '486 Busy Here', username: 'bob', domain: 'example.com' } },
  ]);
  assert.equal(w.stats.written, 2);
});

test('database failures are logged (at most once a second) and counted, never thrown; opening is retried after a pause', async () => {
  const errs: string[] = [];
  let now = 0;
  let opens = 0;
  const w = new AccDbWriter('sqlite://x.db', {
    err: (m) => errs.push(m),
    open: async () => {
      opens++;
      throw new Error('no such host');
    },
    now: () => now,
    reopenMs: 5000,
  });
  w.insert('acc', {});
  w.insert('acc', {});
  await w.flush();
  assert.equal(opens, 1, 'one open for both rows');
  assert.equal(w.stats.failed, 2);
  assert.equal(w.stats.openFailures, 1);
  w.insert('acc', {});
  await w.flush();
  assert.equal(opens, 1, 'not again within reopenMs');
  now = 6000;
  w.insert('acc', {});
  await w.flush();
  assert.equal(opens, 2);
  assert.equal(w.stats.failed, 4);
  assert.ok(errs.length >= 1 && errs.length <= 3, errs.join('\n'));
  assert.match(errs[0]!, /cannot be opened: no such host/);

  const f = fakeDb(() => true);
  const w2 = new AccDbWriter('sqlite://x.db', { err: (m) => errs.push(m), open: async () => f.db, maxPending: 1 });
  w2.insert('acc', {});
  w2.insert('acc', {}); // over maxPending: dropped
  await w2.flush();
  assert.deepEqual({ failed: w2.stats.failed, dropped: w2.stats.dropped, written: w2.stats.written }, { failed: 1, dropped: 1, written: 0 });
});
