import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { startServer } from '../helpers/server.js';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { answer, guideCfg, isFinalFor, isReq, sleep, subst, take } from './tm-util.js';

// The exec module with the admin guide's examples (Examples 2-10, 2-20, 4-2 to 4-5 and the
// failure_route one of §4.1), over real UDP on loopback. `mail` and `mysql` are stand-ins put
// first in PATH: shell scripts recording what they are given.

const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-exec-'));
const bin = path.join(dir, 'bin');
const mailLog = path.join(dir, 'mail.log');
const mysqlLog = path.join(dir, 'mysql.log');

function script(name: string, body: string): void {
  const p = path.join(bin, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
}
{
  mkdirSync(bin, { recursive: true });
  script('mail', `{ echo "ARGS: $*"; cat; echo "--"; } >> '${mailLog}'`);
  script(
    'mysql',
    `q=""
while [ $# -gt 0 ]; do case "$1" in -e) shift; q="$1";; esac; shift; done
echo "ARGS+QUERY: $q" >> '${mysqlLog}'
case "$q" in *jiri*) echo jiri@example.com;; esac`,
  );
  // the server runs in this process: its children inherit this PATH
  process.env.PATH = `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`;
}

function readIf(p: string): string {
  return existsSync(p) ? readFileSync(p, 'latin1') : '';
}

async function waitFor(pred: () => boolean, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

/** The guide typesets shell quotes as ’; the scripts mean ASCII quotes. */
const asciiQuotes = (cfg: string): string => cfg.replaceAll('’', "'");

test('Example 2-20 (exec.cfg): 300 with sip:mra@iptel.org and sip:mrb@iptel.org; SRCIP and the request written to the file', async (t) => {
  const out = path.join(dir, 'exectest.txt');
  const cfg = subst(guideCfg('ex2-20.cfg'), '/tmp/exectest.txt', out);
  const srv = await startServer(cfg);
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const invite = request({ method: 'INVITE', uri: 'sip:anyone@iptel.org', port: ua.port });
  ua.send(invite, srv.port);
  const r = await ua.expect(5000);
  assert.equal(r.status, 300);
  assert.equal(r.reason, 'Redirect');
  assert.deepEqual(
    (r.contacts as readonly { uri: string }[]).map((c) => c.uri),
    ['sip:mra@iptel.org', 'sip:mrb@iptel.org'],
  );
  // exec_msg ran (and finished) before exec_dset: the file is complete
  const written = readFileSync(out, 'latin1');
  assert.equal(written, `127.0.0.1\n${invite}`);

  ua.send(request({ method: 'REGISTER', uri: 'sip:iptel.org', port: ua.port }), srv.port);
  const ok = await ua.expect();
  assert.equal(ok.status, 200);
});

test('Example 2-10 (URI-rewriting exercise) with exec_dset: the request leaves for sip:134@foo.bar', async (t) => {
  // foo.bar must resolve: a hosts file maps it to 127.0.0.3, where a UA listens on 5060
  const hosts = path.join(dir, 'hosts');
  writeFileSync(hosts, '127.0.0.3 foo.bar\n');
  const callee = await UdpPeer.open('127.0.0.3', 5060);
  const frag = guideCfg('ex2-10.frag');
  const srv = await startServer(`loadmodule "exec.so"\nloadmodule "sl.so"\nroute {\n${frag}\n}\n`, { resolver: { hostsFile: hosts } });
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    callee.close();
    await srv.stop();
  });
  ua.send(request({ uri: 'sip:whoever@example.com', port: ua.port }), srv.port);
  const fwd = await callee.expect(5000);
  assert.equal(fwd.ruri, 'sip:134@foo.bar');
});

test('Example 4-2 (who called me): the From line and "request received" are mailed to jiri; others are not', async (t) => {
  const srv = await startServer(asciiQuotes(guideCfg('ex4-02.cfg')));
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const before = readIf(mailLog);
  ua.send(request({ method: 'INVITE', uri: 'sip:bob@iptel.org', port: ua.port, from: '"bob" <sip:bob@x>;tag=b1' }), srv.port);
  ua.send(request({ method: 'INVITE', uri: 'sip:jiri@iptel.org', port: ua.port, from: '"alice" <sip:alice@iptel.org>;tag=76ff7a07' }), srv.port);
  assert.ok(await waitFor(() => readIf(mailLog).length > before.length), 'mail was called');
  await sleep(300);
  const mail = readIf(mailLog).slice(before.length);
  assert.equal(mail, 'ARGS: -s request for you jiri\nFrom: "alice" <sip:alice@iptel.org>;tag=76ff7a07\r\nrequest received\n--\n');
});

test('Example 4-5 (missed calls, stateful): 600 for a user with an email address, 404 without; a retransmission does not run the program again', async (t) => {
  const srv = await startServer(guideCfg('ex4-05.cfg'));
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const mailBefore = readIf(mailLog);
  const sqlBefore = readIf(mysqlLog);
  const invite = request({ method: 'INVITE', uri: `sip:jiri@127.0.0.1:${srv.port}`, port: ua.port, from: '"alice" <sip:alice@iptel.org>;tag=a5' });
  ua.send(invite, srv.port);
  const r = await take(ua, isFinalFor('INVITE'), 5000, '600');
  assert.equal(r.status, 600);
  assert.equal(r.reason, 'No messages for this user');
  // the retransmission: the transaction answers it, the script (and the program) do not run
  ua.send(invite, srv.port);
  const again = await take(ua, isFinalFor('INVITE'), 3000, 'the 600 again');
  assert.equal(again.status, 600);
  assert.equal(again.to.tag, r.to.tag);
  await sleep(200);
  const mail = readIf(mailLog).slice(mailBefore.length);
  assert.equal(mail, 'ARGS: -s request for you jiri@example.com\nSIP request received from "alice" <sip:alice@iptel.org>;tag=a5 for jiri\n--\n');
  // single-quoted script strings are taken as written (SER's cfg.lex): the shell sees \" and
  // the query says user="jiri"
  assert.equal(readIf(mysqlLog).slice(sqlBefore.length), 'ARGS+QUERY: select email_address from subscriber\nwhere user="jiri"\n');

  ua.send(request({ method: 'INVITE', uri: `sip:nobody@127.0.0.1:${srv.port}`, port: ua.port }), srv.port);
  const nf = await take(ua, isFinalFor('INVITE'), 5000, '404');
  assert.equal(nf.status, 404);
  assert.equal(nf.reason, 'User does not exist');
  assert.equal(readIf(mailLog).slice(mailBefore.length), mail, 'no mail for nobody');
});

for (const [ex, stateful] of [['ex4-03.cfg', false], ['ex4-04.cfg', true]] as const) {
  test(`Example ${ex === 'ex4-03.cfg' ? '4-3 (any user, stateless)' : '4-4 (any user, stateful)'}: 600 for a user with an email address, 404 without; a retransmission ${stateful ? 'does not run' : 'runs'} the program again`, async (t) => {
    const srv = await startServer(guideCfg(ex));
    const ua = await UdpPeer.open();
    t.after(async () => {
      ua.close();
      await srv.stop();
    });
    const mailBefore = readIf(mailLog);
    const invite = request({ method: 'INVITE', uri: `sip:jiri@127.0.0.1:${srv.port}`, port: ua.port, from: `"bob" <sip:bob@iptel.org>;tag=${ex}` });
    ua.send(invite, srv.port);
    const r = await take(ua, isFinalFor('INVITE'), 5000, '600');
    assert.equal(r.status, 600);
    assert.equal(r.reason, 'No messages for this user');
    await waitFor(() => readIf(mailLog).length > mailBefore.length);
    const once = readIf(mailLog).slice(mailBefore.length);
    assert.equal(once, `ARGS: -s request for you jiri@example.com\nSIP request received from "bob" <sip:bob@iptel.org>;tag=${ex} for jiri\n--\n`);
    // the retransmission: Example 4-4's transaction absorbs it; Example 4-3 mails again (the
    // drawback the guide names)
    ua.send(invite, srv.port);
    assert.equal((await take(ua, isFinalFor('INVITE'), 3000, 'the 600 again')).status, 600);
    await sleep(300);
    assert.equal(readIf(mailLog).slice(mailBefore.length), stateful ? once : once + once);
    ua.send(request({ method: 'INVITE', uri: `sip:nobody@127.0.0.1:${srv.port}`, port: ua.port }), srv.port);
    const nf = await take(ua, isFinalFor('INVITE'), 5000, '404');
    assert.equal(nf.status, 404);
    assert.equal(nf.reason, 'User does not exist');
  });
}

test('§4.1 failure_route example (exec_s5b.cfg): a busy callee gets the caller mailed from failure_route', async (t) => {
  const callee = await UdpPeer.open();
  const srv = await startServer(`
fork=no
log_stderror=yes
loadmodule "modules/sl/sl.so"
loadmodule "modules/tm/tm.so"
loadmodule "modules/usrloc/usrloc.so"
loadmodule "modules/registrar/registrar.so"
loadmodule "modules/exec/exec.so"
route{
	if (uri==myself) {
		if (method=="REGISTER") {
			save("location");
			break;
		};
		if (!lookup("location")) {
			if (method=="INVITE") route(1)
			else sl_send_reply("404", "Not Found");
			break;
		};
	};
	t_on_failure("1");
	if (!t_relay()) {
		sl_reply_error();
	};
}
route[1] {
	if ( !t_newtran()) {
		sl_reply_error();
		break;
	};
	if (!exec_msg('
QUERY="select email_address from subscriber
where username=\\"$SIP_OUSER\\"";
EMAIL=\`mysql -Bsuser -pheslo -e "$QUERY" ser\`;
if [ -z "$EMAIL" ] ; then exit 1; fi ;
echo "SIP request received from $SIP_HF_FROM for $SIP_OUSER" |
mail -s "request for you" $EMAIL ')) {
		t_reply("404", "User does not exist");
	} else {
		t_reply("600", "No messages for this user");
	};
	break;
}
failure_route[1] {
	exec_msg('
QUERY="select email_address from subscriber
where username=\\"$SIP_OUSER\\"";
EMAIL=\`mysql -Bsuser -pheslo -e "$QUERY" ser\`;
if [ -z "$EMAIL" ] ; then exit 1; fi ;
echo "SIP request received from $SIP_HF_FROM for $SIP_OUSER" |
mail -s "request for you" $EMAIL ') ;
	t_relay();
}
`);
  const ua = await UdpPeer.open();
  t.after(async () => {
    if (process.env.EXEC_TEST_DEBUG) console.error(srv.log.lines.join(''));
    ua.close();
    callee.close();
    await srv.stop();
  });
  const aor = `sip:jiri@127.0.0.1:${srv.port}`;
  ua.send(request({ method: 'REGISTER', uri: `sip:127.0.0.1:${srv.port}`, to: `<${aor}>`, port: ua.port, extra: [`Contact: <sip:jiri@127.0.0.1:${callee.port}>`, 'Expires: 600'] }), srv.port);
  assert.equal((await take(ua, isFinalFor('REGISTER'), 3000, 'REGISTER 200')).status, 200);

  const mailBefore = readIf(mailLog);
  ua.send(request({ method: 'INVITE', uri: aor, port: ua.port, from: '"carol" <sip:carol@iptel.org>;tag=c5b' }), srv.port);
  // the callee is busy. The failure route's t_relay() then fails here ("no destination:
  // append_branch() first in a failure route", tm's rule), so the 486 goes upstream
  const inv = await take(callee, isReq('INVITE'), 5000, 'the INVITE at the callee');
  answer(callee, inv, 486, 'Busy Here');
  await take(callee, isReq('ACK'), 3000, 'the ACK');
  const r = await take(ua, isFinalFor('INVITE'), 5000, 'the final response');
  assert.equal(r.status, 486);
  assert.ok(await waitFor(() => readIf(mailLog).length > mailBefore.length), 'mail was called from failure_route');
  await sleep(200);
  assert.equal(
    readIf(mailLog).slice(mailBefore.length),
    'ARGS: -s request for you jiri@example.com\nSIP request received from "carol" <sip:carol@iptel.org>;tag=c5b for jiri\n--\n',
  );
});

test('1000 requests while slow programs run: OPTIONS keep being answered, at most max_children programs at a time', async (t) => {
  const runLog = path.join(dir, 'slow.log');
  const srv = await startServer(`
loadmodule "sl.so"
loadmodule "exec.so"
modparam("exec", "max_children", 4)
modparam("exec", "time_to_kill", 5)
route {
	if (method=="OPTIONS") {
		sl_send_reply("200", "OK");
		break;
	};
	if (exec_msg("echo start $(date +%s%N) >> ${runLog}; sleep 3; echo end $(date +%s%N) >> ${runLog}")) {
		sl_send_reply("200", "Done");
	} else {
		sl_send_reply("503", "Busy");
	};
}
`);
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  const t0 = Date.now();
  // 100 slow MESSAGEs interleaved with 900 OPTIONS, in bursts of 50
  let sent = 0;
  for (let burst = 0; burst < 20; burst++) {
    for (let i = 0; i < 50; i++) {
      const n = sent++;
      const method = n % 10 === 0 ? 'MESSAGE' : 'OPTIONS';
      ua.send(request({ method, uri: 'sip:x@127.0.0.1', port: ua.port, callId: `load${n}`, cseq: n + 1 }), srv.port);
    }
    await sleep(5);
  }
  const options: SipMessage[] = [];
  const messages: SipMessage[] = [];
  let optionsDoneAt = 0;
  const deadline = Date.now() + 12000;
  while ((options.length < 900 || messages.length < 100) && Date.now() < deadline) {
    for (const r of ua.received.splice(0)) {
      const m = parseMessage(r.msg);
      if (m.cseq.method === 'OPTIONS') options.push(m);
      else messages.push(m);
    }
    if (options.length === 900 && !optionsDoneAt) optionsDoneAt = Date.now();
    await sleep(5);
  }
  assert.equal(options.length, 900, 'every OPTIONS answered');
  assert.ok(options.every((m) => m.status === 200));
  assert.equal(messages.length, 100, 'every MESSAGE answered');
  const done = messages.filter((m) => m.status === 200).length;
  const busy = messages.filter((m) => m.status === 503).length;
  assert.equal(done + busy, 100);
  assert.ok(done >= 4 && done <= 8, `${done} programs ran`);
  // the programs' own record: never more than 4 at a time
  await waitFor(() => readIf(runLog).split('\n').filter((l) => l.startsWith('end')).length === done, 3000);
  const events = readIf(runLog)
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([kind, ns]) => ({ kind: kind!, at: BigInt(ns!) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let running = 0;
  let max = 0;
  for (const e of events) {
    running += e.kind === 'start' ? 1 : -1;
    max = Math.max(max, running);
  }
  assert.equal(events.filter((e) => e.kind === 'start').length, done);
  assert.ok(max <= 4, `at most 4 at a time, saw ${max}`);
  // every OPTIONS was answered while the programs were still sleeping (before the first ended)
  const firstEnd = events.find((e) => e.kind === 'end')!.at / 1_000_000n;
  assert.ok(BigInt(optionsDoneAt) < firstEnd, `OPTIONS all answered ${optionsDoneAt - t0} ms after the first request, the first program ended ${Number(firstEnd) - t0} ms after it`);
  assert.ok(srv.log.lines.some((l) => /exec_msg: ".*" not started: 4 programs running, the limit \(max_children\) is 4: false/.test(l)));
});
