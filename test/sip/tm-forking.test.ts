import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { answer, Caller, countWithin, drain, guideCfg, isFinalFor, isReq, isResp, maybeTake, sleep, subst, take } from './tm-util.js';

// Forking (RFC 3261 §16.7): parallel branches from append_branch, the best final response, the
// CANCEL of the other branches after a 2xx; and serial forking through failure_route (SER admin
// guide Example 2-21, onr.cfg) with the final-response timers.

const PARALLEL = (a: number, b: number) => `
loadmodule "/usr/local/lib/ser/modules/sl.so"
loadmodule "/usr/local/lib/ser/modules/tm.so"
route{
	# the ACK for a 2xx goes where its Request-URI (the callee's Contact) says
	if (method=="ACK") {
		t_relay();
		break;
	};
	rewritehostport("127.0.0.1:${a}");
	append_branch("sip:second@127.0.0.1:${b}");
	t_relay();
}`;

describe('parallel forking to two user agents', () => {
  let srv: TestServer;
  let a: UdpPeer;
  let b: UdpPeer;
  let callerPeer: UdpPeer;

  before(async () => {
    a = await UdpPeer.open();
    b = await UdpPeer.open();
    callerPeer = await UdpPeer.open();
    // like a UA, both answer every CANCEL with 200 at once (RFC 3261 §9.2), so that no CANCEL
    // retransmission of one test shows up in the next; the CANCELs stay visible in `received`
    for (const p of [a, b]) {
      p.socket.on('message', (buf) => {
        if (buf.toString('latin1', 0, 7) === 'CANCEL ') answer(p, parseMessage(buf), 200, 'OK');
      });
    }
    srv = await startServer(PARALLEL(a.port, b.port));
  });
  after(async () => {
    await srv.stop();
    a.close();
    b.close();
    callerPeer.close();
  });

  /** A call forked to both; each branch answers 100 at once (so the proxy does not retransmit). */
  async function fork(): Promise<{ caller: Caller; invText: string; invA: SipMessage; invB: SipMessage }> {
    await sleep(50);
    drain(a);
    drain(b);
    drain(callerPeer);
    const caller = new Caller(callerPeer, srv.port, 'sip:bob@example.com');
    const invText = caller.invite();
    const invA = await take(a, isReq('INVITE'), 2000, 'INVITE at branch A');
    const invB = await take(b, isReq('INVITE'), 2000, 'INVITE at branch B');
    answer(a, invA, 100, 'Trying');
    answer(b, invB, 100, 'Trying');
    return { caller, invText, invA, invB };
  }

  test('both branches get the INVITE, each with its own branch and Request-URI, the same caller Via', async () => {
    const { caller, invText, invA, invB } = await fork();
    assert.equal(invA.ruri, `sip:bob@127.0.0.1:${a.port}`);
    assert.equal(invB.ruri, `sip:second@127.0.0.1:${b.port}`);
    assert.notEqual(invA.via1.branch, invB.via1.branch);
    assert.equal(invA.via1.port, srv.port);
    assert.equal(invB.via1.port, srv.port);
    assert.equal(invA.vias[1]!.branch, caller.branch);
    assert.equal(invB.vias[1]!.branch, caller.branch);
    assert.equal(invA.callId, invB.callId);
    // close the call: both busy
    answer(a, invA, 486, 'Busy Here', { toTag: 'a' });
    answer(b, invB, 486, 'Busy Here', { toTag: 'b' });
    const fin = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
    caller.ackNon2xx(invText, fin);
  });

  test('486 on one branch, then 200 on the other: the caller gets the 200 and never the 486', async () => {
    const { caller, invA, invB } = await fork();
    answer(a, invA, 486, 'Busy Here', { toTag: 'a486' });
    // the 486 is held while B is pending (§16.7 step 5)
    assert.equal(await maybeTake(callerPeer, isFinalFor('INVITE'), 400), undefined, 'no final response while B is pending');
    const ackA = await take(a, isReq('ACK'), 2000, "the proxy's ACK for A's 486");
    assert.equal(ackA.via1.branch, invA.via1.branch);
    assert.equal(ackA.to.tag, 'a486');
    answer(b, invB, 180, 'Ringing', { toTag: 'b200' });
    await take(callerPeer, isResp(180), 2000, "B's 180 forwarded at once");
    answer(b, invB, 200, 'OK', { toTag: 'b200', contact: `<sip:second@127.0.0.1:${b.port}>` });
    const ok = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
    assert.equal(ok.status, 200);
    assert.equal(ok.to.tag, 'b200');
    assert.equal(ok.vias.length, 1);
    assert.equal((await countWithin(callerPeer, isResp(486), 400)).length, 0, 'the 486 is never forwarded');
    assert.equal((await countWithin(b, isReq('CANCEL'), 0)).length, 0, 'the answering branch is not cancelled');
    caller.inDialog('ACK', ok, 1);
    await take(b, isReq('ACK'), 2000, 'the ACK for the 200 at B');
  });

  const BEST: [string, [number, string], [number, string], (s: number) => boolean][] = [
    ['404 and 603: the 6xx wins', [404, 'Not Found'], [603, 'Decline'], (s) => s === 603],
    ['603 and 404 (6xx first): the 6xx wins', [603, 'Decline'], [404, 'Not Found'], (s) => s === 603],
    ['486 and 404: a 4xx', [486, 'Busy Here'], [404, 'Not Found'], (s) => s === 404 || s === 486],
    ['500 and 404: the lowest class, 4xx', [500, 'Server Internal Error'], [404, 'Not Found'], (s) => s === 404],
    ['486 and 302: the lowest class, 3xx', [486, 'Busy Here'], [302, 'Moved Temporarily'], (s) => s === 302],
    ['503 and 503: a 503 is passed on as 500', [503, 'Service Unavailable'], [503, 'Service Unavailable'], (s) => s === 500],
  ];
  for (const [name, ra, rb, ok] of BEST) {
    test(`best response (§16.7 step 6), ${name}; each branch gets an ACK for its own`, async () => {
      const { caller, invText, invA, invB } = await fork();
      const extraB = rb[0] === 302 ? { contact: `<sip:moved@127.0.0.1:${b.port}>` } : {};
      answer(a, invA, ra[0], ra[1], { toTag: 'ta' });
      await sleep(50);
      answer(b, invB, rb[0], rb[1], { toTag: 'tb', ...extraB });
      const fin = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
      assert.ok(ok(fin.status), `got ${fin.status} ${fin.reason}`);
      assert.equal(fin.vias.length, 1);
      assert.equal(fin.via1.branch, caller.branch);
      if (fin.status === 302) {
        assert.equal((fin.contacts as readonly { uri: string }[])[0]?.uri, `sip:moved@127.0.0.1:${b.port}`, 'the 3xx keeps its Contact');
      }
      const ackA = await take(a, isReq('ACK'), 2000, 'ACK at A');
      const ackB = await take(b, isReq('ACK'), 2000, 'ACK at B');
      assert.equal(ackA.via1.branch, invA.via1.branch);
      assert.equal(ackB.via1.branch, invB.via1.branch);
      assert.equal(ackA.to.tag, 'ta');
      assert.equal(ackB.to.tag, 'tb');
      assert.equal(ackA.cseq.seq, invA.cseq.seq);
      // only one final response for the caller
      caller.ackNon2xx(invText, fin);
      assert.equal((await countWithin(callerPeer, isFinalFor('INVITE'), 300)).length, 0, 'a single final response');
    });
  }

  test('200 on both branches: both go to the caller (§16.7 step 5, every 2xx to an INVITE)', async () => {
    const { caller, invA, invB } = await fork();
    answer(a, invA, 200, 'OK', { toTag: 'ta', contact: `<sip:bob@127.0.0.1:${a.port}>` });
    const ok1 = await take(callerPeer, isResp(200, 'INVITE'), 2000, 'first 200');
    answer(b, invB, 200, 'OK', { toTag: 'tb', contact: `<sip:second@127.0.0.1:${b.port}>` });
    const ok2 = await take(callerPeer, isResp(200, 'INVITE'), 2000, 'second 200');
    assert.deepEqual([ok1.to.tag, ok2.to.tag], ['ta', 'tb']);
    caller.inDialog('ACK', ok1, 1);
    caller.inDialog('ACK', ok2, 1);
    await take(a, isReq('ACK'), 2000, 'ACK at A');
    await take(b, isReq('ACK'), 2000, 'ACK at B');
  });

  test('200 on B while A rings: A gets a CANCEL (§16.7 step 10); its 487 is ACKed and not forwarded', async () => {
    const { caller, invA, invB } = await fork();
    answer(a, invA, 180, 'Ringing', { toTag: 'ta' });
    await take(callerPeer, isResp(180), 2000, "A's 180");
    answer(b, invB, 200, 'OK', { toTag: 'tb', contact: `<sip:second@127.0.0.1:${b.port}>` });
    const ok = await take(callerPeer, isFinalFor('INVITE'), 2000, 'the 200');
    assert.equal(ok.status, 200);
    const can = await take(a, isReq('CANCEL'), 2000, 'CANCEL at the ringing branch');
    assert.equal(can.via1.branch, invA.via1.branch);
    assert.equal(can.vias.length, 1);
    assert.equal(can.ruri, invA.ruri);
    assert.equal(can.cseq.seq, invA.cseq.seq);
    answer(a, can, 200, 'OK');
    answer(a, invA, 487, 'Request Terminated', { toTag: 'ta' });
    const ack = await take(a, isReq('ACK'), 2000, "the proxy's ACK for A's 487");
    assert.equal(ack.via1.branch, invA.via1.branch);
    assert.equal((await countWithin(callerPeer, isResp(487), 400)).length, 0, 'the 487 stays with the proxy');
    caller.inDialog('ACK', ok, 1);
    await take(b, isReq('ACK'), 2000, 'the ACK for the 200 at B');
  });

  test('200 on B while A has sent nothing: no CANCEL to A until it sends a provisional (§9.1), then one', async () => {
    await sleep(50);
    drain(a);
    drain(b);
    drain(callerPeer);
    const caller = new Caller(callerPeer, srv.port, 'sip:bob@example.com');
    caller.invite();
    const invA = await take(a, isReq('INVITE'), 2000, 'INVITE at A');
    const invB = await take(b, isReq('INVITE'), 2000, 'INVITE at B');
    answer(b, invB, 200, 'OK', { toTag: 'tb', contact: `<sip:second@127.0.0.1:${b.port}>` });
    const ok = await take(callerPeer, isFinalFor('INVITE'), 2000, 'the 200');
    assert.equal(ok.status, 200);
    // "If no provisional response has been received, the CANCEL request MUST NOT be sent"
    assert.equal((await countWithin(a, isReq('CANCEL'), 300)).length, 0, 'no CANCEL before a provisional');
    answer(a, invA, 180, 'Ringing', { toTag: 'ta' });
    // "... rather, the client MUST wait for the arrival of a provisional response before sending the request"
    const can = await take(a, isReq('CANCEL'), 2000, 'CANCEL once A rings');
    assert.equal(can.via1.branch, invA.via1.branch);
    assert.equal((await countWithin(callerPeer, isResp(180), 300)).length, 0, "A's late 180 is not forwarded after the 200");
    answer(a, can, 200, 'OK');
    answer(a, invA, 487, 'Request Terminated', { toTag: 'ta' });
    await take(a, isReq('ACK'), 2000, 'ACK for the 487');
    caller.inDialog('ACK', ok, 1);
  });

  test('603 on B while A rings: A is cancelled (§16.7 step 5) and the caller gets the 603, not A\'s 487', async () => {
    const { caller, invText, invA, invB } = await fork();
    answer(a, invA, 180, 'Ringing', { toTag: 'ta' });
    await take(callerPeer, isResp(180), 2000, "A's 180");
    answer(b, invB, 603, 'Decline', { toTag: 'tb' });
    await take(b, isReq('ACK'), 2000, 'ACK for the 603');
    const can = await take(a, isReq('CANCEL'), 2000, 'CANCEL at the ringing branch after a 6xx');
    answer(a, can, 200, 'OK');
    answer(a, invA, 487, 'Request Terminated', { toTag: 'ta' });
    const fin = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
    assert.equal(fin.status, 603);
    assert.equal(fin.to.tag, 'tb');
    caller.ackNon2xx(invText, fin);
    await take(a, isReq('ACK'), 2000, 'ACK for the 487');
  });
});

/** Example 2-21 (onr.cfg) with its iptel.org destinations replaced by local UAs, and short timers. */
function onrCfg(p1: number, p2: number, p3: number, p4: number, frInv = 3, fr = 2): string {
  let cfg = guideCfg('ex2-21.cfg');
  cfg = subst(cfg, 'modparam("tm", "fr_inv_timer", 15 )', `modparam("tm", "fr_inv_timer", ${frInv} )`);
  cfg = subst(cfg, 'modparam("tm", "fr_timer", 10 )', `modparam("tm", "fr_timer", ${fr} )`);
  cfg = subst(cfg, 'seturi("sip:nobody@iptel.org");', `seturi("sip:nobody@127.0.0.1:${p1}");`);
  cfg = subst(cfg, 'append_branch("sip:parallel@iptel.org:9");', `append_branch("sip:parallel@127.0.0.1:${p2}");`);
  cfg = subst(cfg, 'append_branch("sip:nonsense@iptel.org");', `append_branch("sip:nonsense@127.0.0.1:${p3}");`);
  cfg = subst(cfg, 'append_branch("sip:foo@iptel.org");', `append_branch("sip:foo@127.0.0.1:${p4}");`);
  return cfg;
}

describe('serial forking: Example 2-21 (onr.cfg)', () => {
  let p1: UdpPeer, p2: UdpPeer, p3: UdpPeer, p4: UdpPeer, callerPeer: UdpPeer;
  before(async () => {
    [p1, p2, p3, p4, callerPeer] = await Promise.all([UdpPeer.open(), UdpPeer.open(), UdpPeer.open(), UdpPeer.open(), UdpPeer.open()]);
  });
  after(() => {
    for (const p of [p1, p2, p3, p4, callerPeer]) p.close();
  });

  test('486 + no answer → (fr_timer) failure_route[1] → 180 + no answer → (fr_inv_timer) failure_route[2] → 200', async (t) => {
    for (const p of [p1, p2, p3, p4, callerPeer]) drain(p);
    const srv = await startServer(onrCfg(p1.port, p2.port, p3.port, p4.port), { debug: 3 });
    t.after(() => srv.stop());
    const t0 = Date.now();
    const caller = new Caller(callerPeer, srv.port, 'sip:someone@example.com');
    caller.invite();
    const i1 = await take(p1, isReq('INVITE'), 2000, 'INVITE at nobody@');
    const i2 = await take(p2, isReq('INVITE'), 2000, 'INVITE at parallel@ (the sink)');
    assert.equal(i1.ruri, `sip:nobody@127.0.0.1:${p1.port}`);
    assert.equal(i2.ruri, `sip:parallel@127.0.0.1:${p2.port}`);
    await take(callerPeer, isResp(100), 2000, '100');
    answer(p1, i1, 486, 'Busy Here', { toTag: 'p1' });
    await take(p1, isReq('ACK'), 2000, 'ACK for the 486');
    assert.equal(srv.log.lines.some((l) => /first redirection/.test(l)), false, 'not while the sink branch is pending');

    // fr_timer (2 s; the sink sent no provisional) ends the sink branch; failure_route[1] adds nonsense@
    const i3 = await take(p3, isReq('INVITE'), 5000, 'INVITE at nonsense@ (failure_route[1])');
    const dt1 = Date.now() - t0;
    assert.ok(dt1 >= 1800 && dt1 < 4000, `failure_route[1] after fr_timer=2 s, not after ${dt1} ms`);
    assert.ok(await srv.waitLog(/first redirection/, 500), 'log(1,"first redirection") ran');
    assert.equal(i3.ruri, `sip:nonsense@127.0.0.1:${p3.port}`);
    assert.equal(i3.vias[1]!.branch, caller.branch, "the caller's request, forwarded again");
    assert.notEqual(i3.via1.branch, i1.via1.branch);
    assert.notEqual(i3.via1.branch, i2.via1.branch);
    // the sink got only retransmissions of its one branch (Timer A), never a new branch
    for (const m of await countWithin(p2, isReq('INVITE'), 0)) assert.equal(m.via1.branch, i2.via1.branch);
    assert.equal(await maybeTake(p1, isReq('INVITE'), 0), undefined, 'failure_route[1] does not fork to nobody@ again');
    // nothing final for the caller yet
    assert.equal(await maybeTake(callerPeer, isFinalFor('INVITE'), 0), undefined);

    answer(p3, i3, 180, 'Ringing', { toTag: 'p3' });
    await take(callerPeer, isResp(180), 2000, "nonsense@'s 180");
    const t1 = Date.now();
    // fr_inv_timer (3 s after a provisional): the branch is cancelled (§16.8) and failure_route[2] adds foo@
    const i4 = await take(p4, isReq('INVITE'), 6000, 'INVITE at foo@ (failure_route[2])');
    const dt2 = Date.now() - t1;
    assert.ok(dt2 >= 2500 && dt2 < 5500, `failure_route[2] after fr_inv_timer=3 s, not after ${dt2} ms`);
    assert.ok(await srv.waitLog(/second redirection/, 500), 'log(1,"second redirection") ran');
    assert.equal(i4.ruri, `sip:foo@127.0.0.1:${p4.port}`);
    const can = await take(p3, isReq('CANCEL'), 2000, 'CANCEL for the ringing nonsense@ branch (§16.8)');
    assert.equal(can.via1.branch, i3.via1.branch);
    answer(p3, can, 200, 'OK');
    answer(p3, i3, 487, 'Request Terminated', { toTag: 'p3' });
    await take(p3, isReq('ACK'), 2000, 'ACK for the 487');

    answer(p4, i4, 200, 'OK', { toTag: 'p4', contact: `<sip:foo@127.0.0.1:${p4.port}>` });
    const ok = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
    assert.equal(ok.status, 200);
    assert.equal(ok.to.tag, 'p4');
    assert.equal(ok.vias.length, 1);
    assert.equal(ok.via1.branch, caller.branch);
    assert.equal((await countWithin(callerPeer, isFinalFor('INVITE'), 300)).length, 0, 'no other final response');
    assert.equal(srv.log.lines.filter((l) => /first redirection/.test(l)).length, 1);
    assert.equal(srv.log.lines.filter((l) => /second redirection/.test(l)).length, 1);
    // onr.cfg does not record-route: the ACK for the 2xx goes straight to the callee's Contact
    caller.inDialog('ACK', ok, 1, true);
    await sleep(50);
  });

  const LAST: [string, number, string, (s: number) => boolean][] = [
    ['603 at the last resort: the caller gets the 6xx', 603, 'Decline', (s) => s === 603],
    ['500 at the last resort: the caller gets the best, a 4xx of an earlier branch', 500, 'Server Internal Error', (s) => s >= 400 && s < 500],
  ];
  for (const [name, st, reason, ok] of LAST) {
    test(`every destination fails at once: both failure routes run once; ${name}`, async (t) => {
      for (const p of [p1, p2, p3, p4, callerPeer]) drain(p);
      const srv = await startServer(onrCfg(p1.port, p2.port, p3.port, p4.port), { debug: 3 });
      t.after(() => srv.stop());
      const caller = new Caller(callerPeer, srv.port, 'sip:someone@example.com');
      const invText = caller.invite();
      const i1 = await take(p1, isReq('INVITE'), 2000, 'INVITE at nobody@');
      const i2 = await take(p2, isReq('INVITE'), 2000, 'INVITE at parallel@');
      answer(p1, i1, 486, 'Busy Here', { toTag: 'p1' });
      answer(p2, i2, 404, 'Not Found', { toTag: 'p2' });
      const i3 = await take(p3, isReq('INVITE'), 2000, 'INVITE at nonsense@ (failure_route[1])');
      answer(p3, i3, 480, 'Temporarily Unavailable', { toTag: 'p3' });
      const i4 = await take(p4, isReq('INVITE'), 2000, 'INVITE at foo@ (failure_route[2])');
      answer(p4, i4, st, reason, { toTag: 'p4' });
      const fin = await take(callerPeer, isFinalFor('INVITE'), 2000, 'final response');
      assert.ok(ok(fin.status), `got ${fin.status} ${fin.reason}`);
      assert.equal(fin.vias.length, 1);
      for (const [p, inv] of [[p1, i1], [p2, i2], [p3, i3], [p4, i4]] as const) {
        const ack = await take(p, (m) => m.method === 'ACK' && m.via1.branch === inv.via1.branch, 2000, `the proxy's ACK at ${inv.ruri}`);
        assert.equal(ack.cseq.seq, inv.cseq.seq);
      }
      caller.ackNon2xx(invText, fin);
      assert.equal((await countWithin(callerPeer, isFinalFor('INVITE'), 300)).length, 0, 'a single final response');
      assert.equal(srv.log.lines.filter((l) => /first redirection/.test(l)).length, 1);
      assert.equal(srv.log.lines.filter((l) => /second redirection/.test(l)).length, 1);
    });
  }
});
