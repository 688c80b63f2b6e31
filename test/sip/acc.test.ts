import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../src/db/open.js';
import type { AccState } from '../../src/modules/acc/index.js';
import { freePort } from '../helpers/ports.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { guideCfg, sleep, subst } from './tm-util.js';

// The acc module over real sockets: SIPp callers and callees through the proxy, the reports read
// back from the server's log and from an SQLite database. The callees are slow and the callers
// ignore the 100s, so SIPp retransmits INVITEs and BYEs (or sends them twice): a report per
// received request would show up as duplicates.

const sippDir = (f: string) => path.resolve('test/fixtures/sipp', f);
const CALLS = 4;
const ACC_LINE = /ACC: /;

function tmpDir(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-acc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The guide's Example 3-9 (acc.cfg), unchanged but for the extra lines (module parameters). */
function accCfg(extra = ''): string {
  const cfg = guideCfg('ex3-09.cfg');
  return extra ? subst(cfg, 'modparam("acc", "log_flag", 1 )', `modparam("acc", "log_flag", 1 )\n${extra}`) : cfg;
}

/** CALLS calls from a SIPp caller (INVITE and BYE each sent twice) through `srv` to a SIPp callee that answers. */
async function calls(srv: TestServer): Promise<void> {
  const calleePort = await freePort();
  const callee = startSipp(['-sf', sippDir('uas-rr-slow.xml'), '-i', '127.0.0.1', '-p', String(calleePort), '-m', String(CALLS), '-recv_timeout', '8000']);
  const exited = new Promise<number | null>((r) => callee.once('exit', (c) => r(c)));
  try {
    await sleep(300);
    const res = await runSipp(
      [`127.0.0.1:${calleePort}`, '-sf', sippDir('uac-rr-retrans.xml'), '-rsa', `127.0.0.1:${srv.port}`, '-s', '12345',
        '-i', '127.0.0.1', '-p', String(await freePort()), '-d', '0', '-m', String(CALLS), '-r', '20', '-l', String(CALLS), '-recv_timeout', '4000'],
      12_000,
    );
    assert.equal(res.failed, 0, res.stdout + res.stderr);
    assert.equal(res.successful, CALLS);
    assert.match(res.stdout, /INVITE ---------->\s+\d+\s+[1-9]/, 'SIPp retransmitted INVITEs');
    assert.equal(await Promise.race([exited, sleep(5000).then(() => 'timeout')]), 0, 'the callee ran its scenario for every call');
  } finally {
    callee.kill('SIGKILL');
  }
}

const accLines = (srv: TestServer) => srv.log.lines.filter((l) => ACC_LINE.test(l)).map((l) => l.replace(/^\d+\(\d+\) /, '').trimEnd());

/** name=value pairs of an ACC line (values do not contain ", " in these tests). */
function parseLine(line: string): { lead: string; f: Record<string, string> } {
  const m = /^ACC: ([a-z ]+): (.*)$/.exec(line);
  assert.ok(m, line);
  const f: Record<string, string> = {};
  for (const kv of m[2]!.split(', ')) {
    const i = kv.indexOf('=');
    f[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return { lead: m[1]!, f };
}

test('acc: the guide\'s acc.cfg (Example 3-9) reports each completed call once in the log, retransmissions or not', { timeout: 20_000 }, async () => {
  const srv = await startServer(accCfg(), { debug: 3 });
  try {
    await calls(srv);
    await sleep(200);
    const lines = accLines(srv);
    assert.equal(lines.length, CALLS, lines.join('\n'));
    const ids = new Set<string>();
    for (const l of lines) {
      const { lead, f } = parseLine(l);
      assert.equal(lead, 'transaction answered');
      // SER's default log_fmt "miocfs": method, i-uri, o-uri, call_id, from, code
      assert.deepEqual(Object.keys(f), ['method', 'i-uri', 'o-uri', 'call_id', 'from', 'code']);
      assert.equal(f.method, 'INVITE');
      assert.match(f['i-uri']!, /^sip:12345@127\.0\.0\.1:\d+$/);
      assert.equal(f['o-uri'], f['i-uri']);
      assert.match(f.from!, /^sipp <sip:sipp@127\.0\.0\.1:\d+>;tag=\d+T\d+$/);
      assert.equal(f.code, '200');
      ids.add(f.call_id!);
    }
    assert.equal(ids.size, CALLS, 'one line per call');
    // the seed's BYEs take the loose_route() path before setflag(1): not labelled, not reported
    assert.ok(!lines.some((l) => l.includes('method=BYE')));
    const st = srv.server.states.get('acc') as AccState;
    assert.equal(st.acc.counters.logAnswered, CALLS);
  } finally {
    await srv.stop();
  }
});

test('acc: with db_flag the acc table gets the same calls, one row each, with SER\'s columns', { timeout: 20_000 }, async (t) => {
  const dir = tmpDir(t);
  const url = `sqlite://${dir}/acc.db`;
  const srv = await startServer(accCfg(`modparam("acc", "db_url", "${url}")\nmodparam("acc", "db_flag", 1)`), { debug: 3 });
  let st: AccState | undefined;
  try {
    await calls(srv);
    st = srv.server.states.get('acc') as AccState;
    await st.db.flush();
  } finally {
    await srv.stop();
  }
  const logged = accLines(srv).map((l) => parseLine(l).f);
  const db = await openDb(url);
  try {
    const rows = await db.query('acc');
    assert.equal(rows.length, CALLS);
    assert.deepEqual(new Set(rows.map((r) => r.sip_callid)), new Set(logged.map((f) => f.call_id)));
    for (const r of rows) {
      const f = logged.find((x) => x.call_id === r.sip_callid)!;
      assert.equal(r.sip_method, 'INVITE');
      assert.equal(r.sip_status, '200');
      assert.equal(r.i_uri, f['i-uri']);
      assert.equal(r.o_uri, f['o-uri']);
      assert.equal(r.sip_from, f.from);
      assert.match(String(r.from_uri), /^sip:sipp@127\.0\.0\.1:\d+$/);
      assert.match(String(r.to_uri), /^sip:12345@127\.0\.0\.1:\d+$/);
      assert.match(String(r.sip_to), /^12345 <sip:12345@127\.0\.0\.1:\d+>;tag=\d+U\d+$/, 'the To of the 200, with its tag');
      assert.match(String(r.totag), /^\d+U\d+$/);
      assert.match(String(r.fromtag), /^\d+T\d+$/);
      assert.equal(r.username, 'sipp', 'the caller\'s user (From)');
      assert.equal(r.domain, '127.0.0.1');
      assert.ok(r.time instanceof Date && Math.abs(r.time.getTime() - Date.now()) < 60_000, String(r.time));
    }
    assert.deepEqual({ written: st!.db.stats.written, failed: st!.db.stats.failed }, { written: CALLS, failed: 0 });
  } finally {
    await db.close();
  }
});

/**
 * A caller that expects `status`, ACKs it, then sends the INVITE again (a late retransmission:
 * same branch), which the proxy's transaction absorbs.
 */
function failingCaller(dir: string, status: number): string {
  const inv = `
  <send>
    <![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-mc-[pid]-[call_number]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]T[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>`;
  const xml = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="INVITE answered ${status}, then retransmitted">${inv.replace('<send>', '<send retrans="500">')}
  <recv response="100" optional="true"/>
  <recv response="${status}"/>
  <send>
    <![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-mc-[pid]-[call_number]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]T[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>${inv}
  <timewait milliseconds="300"/>
</scenario>
`;
  const file = path.join(dir, `uac-${status}.xml`);
  writeFileSync(file, xml);
  return file;
}

test('acc: the missed-calls script of §3.2.8 fills missed_calls once for an offline callee (404 by the script) and once for a busy one (486)', { timeout: 20_000 }, async (t) => {
  const dir = tmpDir(t);
  const url = `sqlite://${dir}/mc.db`;
  const busyPort = await freePort();
  // §3.2.8 as the guide writes it, with lookup("location") standing as a Request-URI test: the
  // user "offline" has no contact, every other user is at the busy SIPp callee
  const cfg = `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "acc.so"
modparam("acc", "log_missed_flag", 3 );
modparam("acc", "db_missed_flag", 3 );
modparam("acc", "db_url", "${url}")
route{
  if (uri=~"^sip:offline@") {
    if ((method=="INVITE" || method=="ACK") && t_newtran() ) {
      t_reply("404", "Not Found");
      acc_request("404 Not Found");
      acc_db_request("404 Not Found", "missed_calls");
      break;
    };
    sl_send_reply("404", "Not Found");
    break;
  } else {
    setflag(3);
    rewritehostport("127.0.0.1:${busyPort}");
    t_relay();
    break;
  };
}
`;
  const srv = await startServer(cfg, { debug: 3 });
  const busy: ChildProcess = startSipp(['-sf', sippDir('uas-busy.xml'), '-i', '127.0.0.1', '-p', String(busyPort), '-m', '1', '-recv_timeout', '8000']);
  t.after(() => busy.kill('SIGKILL'));
  let st: AccState | undefined;
  try {
    await sleep(300);
    for (const [user, status] of [['offline', 404], ['bob', 486]] as const) {
      const res = await runSipp(
        [`127.0.0.1:${srv.port}`, '-sf', failingCaller(dir, status), '-s', user, '-i', '127.0.0.1', '-p', String(await freePort()), '-m', '1', '-recv_timeout', '4000'],
        8000,
      );
      assert.equal(res.successful, 1, res.stdout + res.stderr);
    }
    st = srv.server.states.get('acc') as AccState;
    await st.db.flush();
  } finally {
    await srv.stop();
  }
  const lines = accLines(srv);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0]!, /^ACC: request accounted: method=INVITE, i-uri=sip:offline@127\.0\.0\.1:\d+, o-uri=sip:offline@127\.0\.0\.1:\d+, call_id=\S+, from=sipp <sip:sipp@127\.0\.0\.1:\d+>;tag=\d+T\d+, code=404 Not Found$/);
  assert.match(lines[1]!, /^ACC: call missed: method=INVITE, i-uri=sip:bob@127\.0\.0\.1:\d+, o-uri=sip:bob@127\.0\.0\.1:\d+, call_id=\S+, from=sipp <sip:sipp@127\.0\.0\.1:\d+>;tag=\d+T\d+, code=486 Busy Here$/);
  const db = await openDb(url);
  try {
    const rows = await db.query('missed_calls', { orderBy: 'sip_status' });
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => [r.sip_status, r.username, r.domain, r.sip_method]), [
      ['404 Not Found', 'offline', '127.0.0.1', 'INVITE'],
      ['486 Busy Here', 'bob', '127.0.0.1', 'INVITE'],
    ]);
    assert.equal(rows[0]!.totag, 'n/a', 'the script\'s reply: the request\'s To, without tag (as SER)');
    assert.match(String(rows[1]!.totag), /B/, 'the callee\'s 486 carries its tag');
    assert.match(String(rows[1]!.o_uri), new RegExp(`^sip:bob@127\\.0\\.0\\.1:${busyPort}$`));
    assert.equal((await db.query('acc')).length, 0);
  } finally {
    await db.close();
  }
  assert.deepEqual({ missed: st!.acc.counters.dbMissed, requests: st!.acc.counters.dbRequests }, { missed: 1, requests: 1 });
});

test('acc: a database that cannot be opened, or whose inserts fail, is logged and counted; the calls still complete', { timeout: 20_000 }, async (t) => {
  const dir = tmpDir(t);
  // 1. the database cannot be opened: its directory would be under a regular file
  writeFileSync(path.join(dir, 'file'), '');
  const bad = `sqlite://${dir}/file/acc.db`;
  const srv1 = await startServer(accCfg(`modparam("acc", "db_url", "${bad}")\nmodparam("acc", "db_flag", 1)`), { debug: 3 });
  try {
    await calls(srv1);
    const st = srv1.server.states.get('acc') as AccState;
    await st.db.flush();
    assert.equal(st.db.stats.written, 0);
    assert.equal(st.db.stats.failed, CALLS);
    assert.ok(st.db.stats.openFailures >= 1);
    assert.ok(srv1.log.lines.some((l) => /ERROR: acc: the database of db_url .* cannot be opened/.test(l)), srv1.log.lines.join(''));
    assert.equal(accLines(srv1).length, CALLS, 'the log reports go on');
  } finally {
    await srv1.stop();
  }
  // 2. the database opens, then its acc table goes away: every insert fails
  const url = `sqlite://${dir}/acc.db`;
  const srv2 = await startServer(accCfg(`modparam("acc", "db_url", "${url}")\nmodparam("acc", "db_flag", 1)`), { debug: 3 });
  try {
    const other = await openDb(url);
    await other.raw('DROP TABLE acc');
    await other.close();
    await calls(srv2);
    const st = srv2.server.states.get('acc') as AccState;
    await st.db.flush();
    assert.deepEqual({ written: st.db.stats.written, failed: st.db.stats.failed }, { written: 0, failed: CALLS });
    assert.ok(srv2.log.lines.some((l) => /ERROR: acc: error while inserting into acc/.test(l)), srv2.log.lines.join(''));
  } finally {
    await srv2.stop();
  }
});
