import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { answer, Caller, collect, countWithin, drain, eventually, isFinalFor, isReq, isResp, sleep, take, tmStats, uniq } from './tm-util.js';

// The transaction table stays bounded: what matches nothing leaves no state, unanswered requests
// end with 408 after fr_timer / fr_inv_timer (in seconds, SER's tm parameters), and the count of
// transactions alive goes back to 0 once their timers ran.

const FR = 1;
const FR_INV = 2;

describe('bounded transaction state', () => {
  let srv: TestServer;
  let callee: UdpPeer;
  let other: UdpPeer;
  let callerPeer: UdpPeer;
  /** the callee answers every CANCEL with 481, as a UAS that has no transaction for it (§9.2) */
  let autoCancel = false;

  before(async () => {
    callee = await UdpPeer.open();
    other = await UdpPeer.open();
    callerPeer = await UdpPeer.open();
    callee.socket.on('message', (buf) => {
      if (!autoCancel) return;
      const s = buf.toString('latin1');
      if (!s.startsWith('CANCEL ')) return;
      // answered here; not kept in `received`
      const i = callee.received.findIndex((r) => r.msg === buf);
      if (i >= 0) callee.received.splice(i, 1);
      answer(callee, parseMessage(buf), 481, 'Call/Transaction Does Not Exist');
    });
    srv = await startServer(`
loadmodule "/usr/local/lib/ser/modules/sl.so"
loadmodule "/usr/local/lib/ser/modules/tm.so"
modparam("tm", "fr_timer", ${FR})
modparam("tm", "fr_inv_timer", ${FR_INV})
route{
	# a CANCEL for us goes to tm, which has no INVITE for it: 481 (RFC 3261 §9.2)
	if (method=="CANCEL" && uri==myself) {
		t_relay();
		break;
	};
	if (uri==myself) {
		sl_send_reply("200", "alive");
		break;
	};
	if (!t_relay()) {
		sl_reply_error();
	};
}`);
  });
  after(async () => {
    await srv.stop();
    callee.close();
    other.close();
    callerPeer.close();
  });

  async function alive(): Promise<void> {
    const c = new Caller(callerPeer, srv.port, `sip:127.0.0.1:${srv.port}`);
    c.send(c.build('OPTIONS'));
    const r = await take(callerPeer, (m) => !m.isRequest && m.callId === c.callId, 2000, 'OPTIONS answer');
    assert.equal(r.status, 200);
    assert.equal(r.reason, 'alive');
  }

  test('a response for no transaction of ours: dropped without a next Via, else forwarded statelessly (RFC 3261 §16.7 step 2, §18.1.2)', async () => {
    const before = tmStats(srv);
    const base = (via: string, status: string) =>
      `SIP/2.0 ${status}\r\n${via}From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: ${uniq('stray')}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`;
    // only our Via: nowhere to go
    for (const st of ['100 Trying', '180 Ringing', '200 OK', '486 Busy Here'])
      callee.send(base(`Via: SIP/2.0/UDP 127.0.0.1:${srv.port};branch=${uniq()}\r\n`, st), srv.port);
    // not our Via on top: dropped (§18.1.2)
    callee.send(base(`Via: SIP/2.0/UDP 127.0.0.1:9;branch=${uniq()}\r\nVia: SIP/2.0/UDP 127.0.0.1:${other.port};branch=${uniq()}\r\n`, '200 OK'), srv.port);
    assert.deepEqual((await collect(other, 400)).map((m) => m.status), [], 'nothing goes anywhere');
    // our Via, unknown branch, a next Via: "process the response ... as a stateless proxy"
    const nextBranch = uniq();
    callee.send(base(`Via: SIP/2.0/UDP 127.0.0.1:${srv.port};branch=${uniq()}\r\nVia: SIP/2.0/UDP 127.0.0.1:${other.port};branch=${nextBranch}\r\n`, '200 OK'), srv.port);
    const fwd = await take(other, isResp(200), 2000, 'the stray 200 forwarded along its next Via');
    assert.equal(fwd.vias.length, 1);
    assert.equal(fwd.via1.branch, nextBranch);
    await alive();
    const afterStats = tmStats(srv);
    if (before && afterStats) assert.equal(afterStats.total, before.total, 'no transaction was created for them');
  });

  test('an ACK that matches nothing is forwarded statelessly and creates no transaction', async () => {
    const before = tmStats(srv);
    drain(callee);
    const c = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
    c.send(c.build('ACK', { to: '<sip:bob@example.com>;tag=x1' }));
    const ack = await take(callee, isReq('ACK'), 2000, 'the ACK forwarded');
    assert.equal(ack.via1.port, srv.port);
    assert.equal(ack.vias[1]!.branch, c.branch);
    assert.equal((await collect(callerPeer, 200)).length, 0, 'an ACK is never answered');
    const afterStats = tmStats(srv);
    if (before && afterStats) {
      assert.equal(afterStats.total, before.total, 'no transaction for an ACK without one');
      assert.equal(afterStats.current, before.current);
    }
  });

  test('an INVITE nobody answers: Timer A retransmissions, then 408 after fr_timer, no CANCEL downstream', async () => {
    drain(callee);
    drain(callerPeer);
    const c = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
    const t0 = Date.now();
    const invText = c.invite();
    await take(callerPeer, isResp(100, 'INVITE'), 2000, '100');
    const fin = await take(callerPeer, isFinalFor('INVITE'), 5000, 'final response');
    const dt = Date.now() - t0;
    assert.equal(fin.status, 408);
    assert.ok(dt >= FR * 1000 - 100 && dt < FR * 1000 + 1500, `408 after fr_timer=${FR}s, not after ${dt} ms`);
    assert.equal(fin.vias.length, 1);
    assert.ok(fin.to.tag, 'a locally generated final response has a To tag');
    const invs = drain(callee).filter((m) => m.method === 'INVITE');
    assert.ok(invs.length >= 2, `Timer A retransmitted the INVITE (${invs.length} copies)`);
    assert.equal(new Set(invs.map((m) => m.via1.branch)).size, 1, 'retransmissions keep the branch');
    c.ackNon2xx(invText, fin);
    // no provisional came: no CANCEL (§9.1), and the caller's ACK stays with the proxy
    assert.deepEqual((await collect(callee, 1500)).map((m) => m.method), [], 'no CANCEL, no ACK, no more INVITEs');
    // the ACK reached the server transaction: Timer G stopped, the 408 is not sent again (§17.2.1)
    assert.equal(drain(callerPeer).filter((m) => m.status === 408).length, 0, 'no 408 retransmission after the ACK');
  });

  test('a MESSAGE nobody answers: no 100 (§16.2), Timer E retransmissions, 408 after fr_timer', async () => {
    drain(callee);
    drain(callerPeer);
    const c = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
    const t0 = Date.now();
    c.send(c.build('MESSAGE', { body: 'hi' }));
    const fin = await take(callerPeer, isFinalFor('MESSAGE'), 5000, 'final response');
    const dt = Date.now() - t0;
    assert.equal(fin.status, 408);
    assert.ok(dt >= FR * 1000 - 100 && dt < FR * 1000 + 1500, `408 after fr_timer=${FR}s, not after ${dt} ms`);
    assert.equal((await countWithin(callerPeer, isResp(100), 0)).length, 0, 'no 100 Trying for a non-INVITE request');
    assert.ok(drain(callee).filter((m) => m.method === 'MESSAGE').length >= 2, 'Timer E retransmitted the MESSAGE');
  });

  test('an INVITE that rings forever: after fr_inv_timer the branch is cancelled (§16.8) and the caller gets a final response', async () => {
    drain(callee);
    drain(callerPeer);
    const c = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
    const invText = c.invite();
    const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE');
    answer(callee, inv, 180, 'Ringing', { toTag: 'forever' });
    await take(callerPeer, isResp(180), 2000, '180');
    const t0 = Date.now();
    const can = await take(callee, isReq('CANCEL'), FR_INV * 1000 + 2000, 'CANCEL after fr_inv_timer (Timer C, §16.8)');
    const dt = Date.now() - t0;
    assert.ok(dt >= FR_INV * 1000 - 300, `not before fr_inv_timer=${FR_INV}s (${dt} ms)`);
    assert.equal(can.via1.branch, inv.via1.branch);
    answer(callee, can, 200, 'OK');
    answer(callee, inv, 487, 'Request Terminated', { toTag: 'forever' });
    const fin = await take(callerPeer, isFinalFor('INVITE'), 3000, 'final response');
    assert.ok(fin.status === 408 || fin.status === 487, `408 or the 487 of the cancelled branch, got ${fin.status}`);
    await take(callee, isReq('ACK'), 2000, "the proxy's ACK for the 487");
    c.ackNon2xx(invText, fin);
  });

  test('500 CANCELs that match nothing: each gets its 481 (from the UAS behind, see tm-cancel for the forwarding), the server stays up', async () => {
    drain(callee);
    drain(callerPeer);
    autoCancel = true;
    try {
      const callIds = new Set<string>();
      for (let i = 0; i < 500; i++) {
        const c = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
        c.send(c.build('CANCEL'));
        callIds.add(c.callId);
        if (i % 25 === 24) await sleep(20);
      }
      const got = new Map<string, SipMessage>();
      await eventually(() => {
        for (const m of drain(callerPeer)) if (!m.isRequest && m.cseq.method === 'CANCEL') got.set(m.callId, m);
        return got.size >= 500;
      }, 10_000);
      assert.equal(got.size, 500, `481 for every CANCEL (got ${got.size})`);
      for (const [id, m] of got) {
        assert.ok(callIds.has(id));
        assert.equal(m.status, 481);
      }
    } finally {
      autoCancel = false;
    }
    await alive();
  });

  test('500 CANCELs for us that match nothing: 481 from the proxy for each (§9.2), no transaction kept', async () => {
    drain(callerPeer);
    const before = tmStats(srv);
    const callIds = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const c = new Caller(callerPeer, srv.port, `sip:someone@127.0.0.1:${srv.port}`);
      c.send(c.build('CANCEL'));
      callIds.add(c.callId);
      if (i % 25 === 24) await sleep(20);
    }
    const got = new Map<string, SipMessage>();
    await eventually(() => {
      for (const m of drain(callerPeer)) if (!m.isRequest && m.cseq.method === 'CANCEL') got.set(m.callId, m);
      return got.size >= 500;
    }, 10_000);
    assert.equal(got.size, 500, `an answer for every CANCEL (got ${got.size})`);
    for (const [id, m] of got) {
      assert.ok(callIds.has(id));
      assert.equal(m.status, 481);
      assert.equal(m.vias.length, 1);
    }
    const afterStats = tmStats(srv);
    if (before && afterStats) assert.equal(afterStats.total, before.total, 'no transaction created for a CANCEL answered 481');
    await alive();
  });

  test('once the timers ran, no transaction is left (t_stats "current" back to 0)', async (t) => {
    const s = tmStats(srv);
    if (!s) return t.skip('tm exposes no counters on its module state');
    const done = await eventually(() => tmStats(srv)!.current === 0, 45_000, 250);
    assert.ok(done, `current transactions: ${JSON.stringify(tmStats(srv))}`);
    assert.ok(tmStats(srv)!.total >= 3, 'the transactions above were counted');
    assert.equal(tmStats(srv)!.waiting, 0);
  });
});
