import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { request, TcpPeer, UdpPeer } from '../helpers/sip-peer.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';
import { parseMessage } from '../../src/sip/parser/message.js';
import { frameStream } from '../../src/sip/parser/frame.js';
import { answer, Caller, countWithin, guideCfg, hv, isReq, isResp, response, SDP, sleep, take, TcpUas, uniq } from './tm-util.js';

// Calls through the stateful proxy (SER's tm: t_relay), black box over loopback: the admin
// guide's default script (Example 2-17, shared/bench/ser/proxy.cfg), driven by SIPp and by raw
// user agents that check every header RFC 3261 §16 cares about.

const sippDir = (f: string) => path.resolve('test/fixtures/sipp', f);

/** "sip:127.0.0.1:5060;lr=on" names the proxy at that port (any user part, any other params). */
function namesProxy(uri: string, port: number): boolean {
  return new RegExp(`^sips?:(?:[^@;>]*@)?127\\.0\\.0\\.1:${port}(?:[;?>]|$)`).test(uri);
}

test('Example 2-17 (default ser.cfg): 10 SIPp calls through the record-routing proxy complete, none fails', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const uasPort = await freePort();
  const uas = startSipp(['-sf', sippDir('uas-rr.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-m', '10', '-recv_timeout', '10000']);
  t.after(async () => {
    uas.kill('SIGKILL');
    await srv.stop();
  });
  await sleep(500);
  const res = await runSipp(
    [
      `127.0.0.1:${uasPort}`,
      '-sf', sippDir('uac-rr.xml'),
      '-rsa', `127.0.0.1:${srv.port}`,
      '-s', 'bob',
      '-i', '127.0.0.1',
      '-p', String(await freePort()),
      '-d', '0',
      '-m', '10',
      '-r', '20',
      '-l', '5',
      '-recv_timeout', '5000',
    ],
    40_000,
  );
  assert.equal(res.failed, 0, res.stdout + res.stderr);
  assert.equal(res.successful, 10, res.stdout + res.stderr);
  assert.equal(res.code, 0);
});

test('Example 2-17: INVITE/100/180/200, then ACK and BYE along the Record-Route (RFC 3261 §16.6, §16.7, §16.12)', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const callee = await UdpPeer.open();
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    callee.close();
    callerPeer.close();
    await srv.stop();
  });
  const target = `sip:bob@127.0.0.1:${callee.port}`;
  const caller = new Caller(callerPeer, srv.port, target);
  caller.invite();
  const invBranch = caller.branch;

  // the callee gets the INVITE: our Via on top, the caller's below, one Record-Route naming us
  const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE at the callee');
  assert.equal(inv.ruri, target);
  assert.equal(inv.vias.length, 2);
  assert.equal(inv.via1.transport, 'UDP');
  assert.equal(inv.via1.host, '127.0.0.1');
  assert.equal(inv.via1.port, srv.port);
  assert.match(inv.via1.branch ?? '', /^z9hG4bK./, 'an RFC 3261 branch (§16.6 step 8)');
  assert.notEqual(inv.via1.branch, invBranch);
  assert.equal(inv.vias[1]!.branch, invBranch);
  assert.equal(inv.vias[1]!.port, callerPeer.port);
  assert.equal(inv.maxForwards, 69, 'Max-Forwards decremented once (§16.6 step 3)');
  const rr = inv.recordRoutes;
  assert.equal(rr.length, 1, 'one Record-Route: ' + inv.head);
  assert.ok(namesProxy(rr[0]!.uri, srv.port), `Record-Route names the proxy: ${rr[0]!.uri}`);
  assert.match(rr[0]!.uri, /;lr=on(?:[;>]|$)/, 'enable_full_lr=1 writes lr=on');
  assert.equal(inv.body.toString('latin1'), SDP, 'the body is untouched');
  assert.equal(inv.callId, caller.callId);

  // the caller gets 100 from the proxy with exactly its own Via
  const trying = await take(callerPeer, isResp(100, 'INVITE'), 2000, '100 Trying');
  assert.equal(trying.vias.length, 1);
  assert.equal(trying.via1.branch, invBranch);
  assert.equal(trying.callId, caller.callId);

  const contact = `<sip:bob@127.0.0.1:${callee.port}>`;
  answer(callee, inv, 180, 'Ringing', { toTag: 'bobtag', contact });
  const ringing = await take(callerPeer, isResp(180, 'INVITE'), 2000, '180 Ringing');
  assert.equal(ringing.vias.length, 1, 'our Via is removed (§16.7 step 3)');
  assert.equal(ringing.via1.branch, invBranch);
  assert.equal(ringing.to.tag, 'bobtag');
  assert.equal(ringing.reason, 'Ringing');

  answer(callee, inv, 200, 'OK', { toTag: 'bobtag', contact, body: SDP });
  const ok = await take(callerPeer, isResp(200, 'INVITE'), 2000, '200 OK');
  assert.equal(ok.vias.length, 1);
  assert.equal(ok.via1.branch, invBranch);
  assert.equal(ok.recordRoutes.length, 1);
  assert.equal(ok.recordRoutes[0]!.uri, rr[0]!.uri, 'the Record-Route comes back as the callee copied it');
  assert.equal(ok.body.toString('latin1'), SDP);
  assert.equal((ok.contacts as readonly { uri: string }[])[0]!.uri, `sip:bob@127.0.0.1:${callee.port}`);
  // nothing else for the caller: no second 200, no stray 100
  assert.deepEqual((await countWithin(callerPeer, () => true, 300)).map((m) => m.status), []);

  // ACK for the 2xx: Request-URI = Contact, Route = the Record-Route; the proxy is taken off the route
  caller.inDialog('ACK', ok, 1);
  const ackBranch = caller.branch;
  const ack = await take(callee, isReq('ACK'), 2000, 'ACK at the callee');
  assert.equal(ack.ruri, `sip:bob@127.0.0.1:${callee.port}`);
  assert.equal(ack.routes.filter((r) => namesProxy(r.uri, srv.port)).length, 0, 'loose_route removed our Route: ' + ack.head);
  assert.equal(ack.via1.port, srv.port);
  assert.equal(ack.vias[1]!.branch, ackBranch);
  assert.equal(ack.cseq.method, 'ACK');
  assert.equal(ack.to.tag, 'bobtag');

  caller.inDialog('BYE', ok, 2);
  const byeBranch = caller.branch;
  const bye = await take(callee, isReq('BYE'), 2000, 'BYE at the callee');
  assert.equal(bye.ruri, `sip:bob@127.0.0.1:${callee.port}`);
  assert.equal(bye.routes.filter((r) => namesProxy(r.uri, srv.port)).length, 0, 'loose_route removed our Route: ' + bye.head);
  assert.equal(bye.via1.port, srv.port);
  assert.equal(bye.vias[1]!.branch, byeBranch);
  assert.equal(bye.cseq.seq, 2);
  answer(callee, bye, 200, 'OK');
  const byeOk = await take(callerPeer, isResp(200, 'BYE'), 2000, '200 for the BYE');
  assert.equal(byeOk.vias.length, 1);
  assert.equal(byeOk.via1.branch, byeBranch);
  // the BYE was forwarded once (no retransmission: the callee answered at once)
  assert.equal((await countWithin(callee, isReq('BYE'), 300)).length, 0);
});

test('Example 2-17: REGISTER with save("location"), then an INVITE to the AOR reaches the contact; unknown users get 404', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const alice = await UdpPeer.open();
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    alice.close();
    callerPeer.close();
    await srv.stop();
  });
  const aor = `sip:alice@127.0.0.1:${srv.port}`;
  const aliceContact = `sip:alice@127.0.0.1:${alice.port}`;
  const reg = new Caller(alice, srv.port, `sip:127.0.0.1:${srv.port}`, 'alice');
  // Caller.build writes Contact: <sip:alice@127.0.0.1:{alice's port}>
  reg.send(reg.build('REGISTER', { to: `<${aor}>`, extra: ['Expires: 600'] }));
  const ok = await take(alice, isResp(200, 'REGISTER'), 2000, '200 for the REGISTER');
  const contacts = ok.contacts as readonly { uri: string; expires?: number }[];
  assert.equal(contacts.length, 1, ok.head);
  assert.equal(contacts[0]!.uri, aliceContact);
  assert.ok(contacts[0]!.expires !== undefined && contacts[0]!.expires <= 600 && contacts[0]!.expires >= 590, `expires: ${contacts[0]!.expires}`);
  assert.equal(ok.vias.length, 1);

  // the INVITE to the AOR is relayed to the registered contact (lookup rewrote the Request-URI)
  const caller = new Caller(callerPeer, srv.port, aor);
  const invText = caller.invite();
  const inv = await take(alice, isReq('INVITE'), 2000, 'INVITE at the registered contact');
  assert.equal(inv.ruri, aliceContact);
  assert.equal(hv(inv, 'to'), `<${aor}>`, 'the To header field is not touched');
  assert.equal(inv.via1.port, srv.port);
  await take(callerPeer, isResp(100, 'INVITE'), 2000, '100 Trying');
  answer(alice, inv, 486, 'Busy Here', { toTag: 'alicetag' });
  const busy = await take(callerPeer, isResp(486, 'INVITE'), 2000, '486 relayed to the caller');
  assert.equal(busy.vias.length, 1);
  // the proxy acknowledges the 486 itself, hop by hop (§17.1.1.3)
  const ack = await take(alice, isReq('ACK'), 2000, "the proxy's ACK for the 486");
  assert.equal(ack.via1.branch, inv.via1.branch);
  assert.equal(ack.to.tag, 'alicetag');
  caller.ackNon2xx(invText, busy);

  // an unregistered user: 404 from the script, nothing forwarded
  const nobody = new Caller(callerPeer, srv.port, `sip:nobody@127.0.0.1:${srv.port}`);
  nobody.invite();
  const nf = await take(callerPeer, (m) => !m.isRequest && m.callId === nobody.callId && m.status >= 200, 2000, '404');
  assert.equal(nf.status, 404);
  assert.equal(nf.reason, 'Not Found');
  assert.equal((await countWithin(alice, isReq('INVITE'), 300)).length, 0);

  // after a REGISTER with Expires: 0 the AOR is unknown again
  reg.send(reg.build('REGISTER', { to: `<${aor}>`, cseq: 2, extra: ['Expires: 0'] }));
  await take(alice, isResp(200, 'REGISTER'), 2000, '200 for the de-REGISTER');
  const again = new Caller(callerPeer, srv.port, aor);
  again.invite();
  const gone = await take(callerPeer, (m) => !m.isRequest && m.callId === again.callId && m.status >= 200, 2000, '404 after de-registration');
  assert.equal(gone.status, 404);
});

test('Example 2-17: INVITE retransmissions are absorbed; each gets the last provisional again (RFC 3261 §17.2.1)', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const callee = await UdpPeer.open();
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    callee.close();
    callerPeer.close();
    await srv.stop();
  });
  const caller = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
  const invText = caller.invite();
  const first100 = await take(callerPeer, isResp(100, 'INVITE'), 2000, '100 Trying');
  const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE at the callee');
  // the callee's own 100 stops the proxy's retransmissions (Timer A) and is not forwarded (§16.7 step 5)
  answer(callee, inv, 100, 'Trying');
  await sleep(50);
  caller.send(invText);
  caller.send(invText);
  const resent100 = await countWithin(callerPeer, isResp(100, 'INVITE'), 400);
  assert.equal(resent100.length, 2, 'one 100 for each retransmission, none from the callee');
  for (const r of resent100) assert.equal(r.buf.toString('latin1'), first100.buf.toString('latin1'));

  answer(callee, inv, 180, 'Ringing', { toTag: 'bobtag' });
  const ringing = await take(callerPeer, isResp(180, 'INVITE'), 2000, '180');
  caller.send(invText);
  caller.send(invText);
  caller.send(invText);
  const resent180 = await countWithin(callerPeer, isResp(180, 'INVITE'), 400);
  assert.equal(resent180.length, 3, 'the 180 again for each retransmission');
  for (const r of resent180) assert.equal(r.buf.toString('latin1'), ringing.buf.toString('latin1'));
  assert.equal((await countWithin(callerPeer, isResp(100), 0)).length, 0, 'not the 100 any more once a 180 was sent');

  // the callee saw the INVITE once
  assert.equal((await countWithin(callee, isReq('INVITE'), 300)).length, 0, 'no INVITE retransmission reached the callee');

  answer(callee, inv, 200, 'OK', { toTag: 'bobtag', contact: `<sip:bob@127.0.0.1:${callee.port}>`, body: SDP });
  const ok = await take(callerPeer, isResp(200, 'INVITE'), 2000, '200');
  caller.inDialog('ACK', ok, 1);
  await take(callee, isReq('ACK'), 2000, 'ACK');
});

test('UDP caller, TCP callee via t_relay_to_tcp: INVITE over TCP, two Record-Routes, answers back over UDP, BYE over TCP', async (t) => {
  const tcp = await TcpUas.open();
  const srv = await startServer(`
loadmodule "/usr/local/lib/ser/modules/sl.so"
loadmodule "/usr/local/lib/ser/modules/tm.so"
loadmodule "/usr/local/lib/ser/modules/rr.so"
loadmodule "/usr/local/lib/ser/modules/maxfwd.so"
modparam("rr", "enable_full_lr", 1)
route{
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483","Too Many Hops");
		break;
	};
	record_route();
	if (loose_route()) {
		t_relay();
		break;
	};
	if (uri=~"^sip:tcpto@") {
		t_relay_to_tcp("127.0.0.1", "${tcp.port}");
		break;
	};
	sl_send_reply("404", "Not here");
}`);
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    tcp.close();
    callerPeer.close();
    await srv.stop();
  });
  const caller = new Caller(callerPeer, srv.port, `sip:tcpto@127.0.0.1:${tcp.port}`);
  caller.invite();
  const invBranch = caller.branch;
  const { msg: inv, sock } = await tcp.take(isReq('INVITE'), 3000, 'INVITE over TCP');
  assert.equal(inv.via1.transport, 'TCP');
  assert.equal(inv.via1.port, srv.port);
  assert.equal(inv.vias[1]!.transport, 'UDP');
  assert.equal(inv.vias[1]!.branch, invBranch);
  const rr = inv.recordRoutes;
  assert.equal(rr.length, 2, 'one Record-Route for each transport: ' + inv.head);
  for (const r of rr) assert.ok(namesProxy(r.uri, srv.port), r.uri);
  assert.match(rr[0]!.uri, /;transport=tcp/i, 'the top one faces the callee, on TCP');
  assert.doesNotMatch(rr[1]!.uri, /;transport=tcp/i, 'the other one faces the caller, on UDP');
  assert.equal(inv.body.toString('latin1'), SDP);

  await take(callerPeer, isResp(100, 'INVITE'), 2000, '100 over UDP');
  const contact = `<sip:bob@127.0.0.1:${tcp.port};transport=tcp>`;
  sock.write(response(inv, 180, 'Ringing', { toTag: 'tcptag', contact }));
  const ringing = await take(callerPeer, isResp(180, 'INVITE'), 2000, '180 over UDP');
  assert.equal(ringing.vias.length, 1);
  sock.write(response(inv, 200, 'OK', { toTag: 'tcptag', contact, body: SDP }));
  const ok = await take(callerPeer, isResp(200, 'INVITE'), 2000, '200 over UDP');
  assert.equal(ok.vias.length, 1);
  assert.equal(ok.via1.branch, invBranch);
  assert.equal(ok.recordRoutes.length, 2);

  // in-dialog requests follow the route set (both of our entries) to the callee's TCP contact
  caller.inDialog('ACK', ok, 1);
  const { msg: ack } = await tcp.take(isReq('ACK'), 3000, 'ACK over TCP');
  assert.equal(ack.via1.transport, 'TCP');
  assert.equal(ack.routes.filter((r) => namesProxy(r.uri, srv.port)).length, 0, 'both of our Route entries removed: ' + ack.head);
  caller.inDialog('BYE', ok, 2);
  const { msg: bye, sock: byeSock } = await tcp.take(isReq('BYE'), 3000, 'BYE over TCP');
  assert.equal(bye.ruri, `sip:bob@127.0.0.1:${tcp.port};transport=tcp`);
  assert.equal(bye.routes.filter((r) => namesProxy(r.uri, srv.port)).length, 0, 'both of our Route entries removed: ' + bye.head);
  byeSock.write(response(bye, 200, 'OK'));
  const byeOk = await take(callerPeer, isResp(200, 'BYE'), 2000, '200 for the BYE over UDP');
  assert.equal(byeOk.vias.length, 1);
});

test('Example 2-17: SIPp caller on UDP, SIPp callee on TCP (;transport=tcp): 5 calls complete', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const uasPort = await freePort();
  const uas = startSipp(['-sf', sippDir('uas-rr.xml'), '-t', 't1', '-i', '127.0.0.1', '-p', String(uasPort), '-m', '5', '-recv_timeout', '10000']);
  t.after(async () => {
    uas.kill('SIGKILL');
    await srv.stop();
  });
  await sleep(500);
  const res = await runSipp(
    [
      `127.0.0.1:${uasPort}`,
      '-sf', sippDir('uac-rr-tcp.xml'),
      '-rsa', `127.0.0.1:${srv.port}`,
      '-s', 'bob',
      '-i', '127.0.0.1',
      '-p', String(await freePort()),
      '-d', '0',
      '-m', '5',
      '-r', '10',
      '-l', '5',
      '-recv_timeout', '5000',
    ],
    40_000,
  );
  assert.equal(res.failed, 0, res.stdout + res.stderr);
  assert.equal(res.successful, 5, res.stdout + res.stderr);
});

test('Example 2-17: 2xx retransmissions from the callee reach the caller; an INVITE retransmission after the 2xx is not forwarded again (RFC 6026)', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const callee = await UdpPeer.open();
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    callee.close();
    callerPeer.close();
    await srv.stop();
  });
  const caller = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
  const invText = caller.invite();
  const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE');
  const contact = `<sip:bob@127.0.0.1:${callee.port}>`;
  const okText = answer(callee, inv, 200, 'OK', { toTag: 'b', contact, body: SDP });
  await take(callerPeer, isResp(200, 'INVITE'), 2000, '200');
  // the UAS core retransmits its 2xx until the ACK (§13.3.1.4); each one goes up (§16.7 step 5)
  callee.send(okText, srv.port);
  callee.send(okText, srv.port);
  assert.equal((await countWithin(callerPeer, isResp(200, 'INVITE'), 400)).length, 2, 'both retransmitted 2xx forwarded');
  // the caller did not see the 200 yet, say, and retransmits its INVITE: not a new request
  caller.send(invText);
  assert.equal((await countWithin(callee, isReq('INVITE'), 500)).length, 0, 'the INVITE retransmission is absorbed');
});

test('TCP caller, UDP callee: 100, 180 and 200 come back on the caller connection, each once', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const callee = await UdpPeer.open();
  const c = await TcpPeer.connect(srv.port);
  t.after(async () => {
    c.close();
    callee.close();
    await srv.stop();
  });
  const branch = uniq();
  const local = c.sock.localPort!;
  c.write(
    request({
      method: 'INVITE',
      // SER's t_relay() keeps the transport the request came in on unless the URI names one
      uri: `sip:bob@127.0.0.1:${callee.port};transport=udp`,
      via: `SIP/2.0/TCP 127.0.0.1:${local};branch=${branch}`,
      callId: 'tcp-caller',
      extra: [`Contact: <sip:caller@127.0.0.1:${local};transport=tcp>`],
    }),
  );
  const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE over UDP');
  assert.equal(inv.via1.transport, 'UDP');
  assert.equal(inv.vias[1]!.transport, 'TCP');
  // one Record-Route per transport here too
  assert.equal(inv.recordRoutes.length, 2, inv.head);
  answer(callee, inv, 180, 'Ringing', { toTag: 'u' });
  answer(callee, inv, 200, 'OK', { toTag: 'u', contact: `<sip:bob@127.0.0.1:${callee.port}>` });
  const frames = (b: Buffer) => {
    const out: string[] = [];
    let off = 0;
    for (;;) {
      const f = frameStream(b, off, 65535);
      if (f.kind !== 'message') break;
      out.push(b.toString('latin1', f.start, f.end));
      off = f.end;
    }
    return out;
  };
  assert.ok(await c.waitFor((b) => frames(b).length >= 3, 3000), 'three responses over TCP: ' + c.text);
  await sleep(300);
  const got = frames(c.take()).map((m) => parseMessage(Buffer.from(m, 'latin1'), 'stream'));
  assert.deepEqual(got.map((m) => m.status), [100, 180, 200], 'each once: no retransmissions over TCP');
  for (const m of got) {
    assert.equal(m.vias.length, 1);
    assert.equal(m.via1.branch, branch);
  }
});

test('t_relay_to_tcp: a 486 from the TCP callee is acknowledged by the proxy over TCP, and relayed over UDP', async (t) => {
  const tcp = await TcpUas.open();
  const srv = await startServer(`
loadmodule "/usr/local/lib/ser/modules/sl.so"
loadmodule "/usr/local/lib/ser/modules/tm.so"
route{
	t_relay_to_tcp("127.0.0.1", "${tcp.port}");
}`);
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    tcp.close();
    callerPeer.close();
    await srv.stop();
  });
  const caller = new Caller(callerPeer, srv.port, 'sip:busy@example.com');
  const invText = caller.invite();
  const { msg: inv, sock } = await tcp.take(isReq('INVITE'), 3000, 'INVITE over TCP');
  sock.write(response(inv, 486, 'Busy Here', { toTag: 'busy' }));
  const busy = await take(callerPeer, isResp(486, 'INVITE'), 2000, '486 over UDP');
  assert.equal(busy.vias.length, 1);
  const { msg: ack } = await tcp.take(isReq('ACK'), 2000, "the proxy's ACK over TCP");
  assert.equal(ack.via1.branch, inv.via1.branch);
  assert.equal(ack.via1.transport, 'TCP');
  assert.equal(ack.to.tag, 'busy');
  caller.ackNon2xx(invText, busy);
  await sleep(300);
  assert.equal(tcp.received.length, 0, 'nothing else over TCP (no INVITE retransmission on a reliable transport, no second ACK)');
});
