import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';
import { answer, Caller, countWithin, guideCfg, hv, isReq, isResp, sleep, take } from './tm-util.js';

// CANCEL through the stateful proxy (RFC 3261 §9, §16.10): the proxy answers the CANCEL itself,
// cancels its own branches hop by hop, relays the 487, and acknowledges the 487 itself.

const sippDir = (f: string) => path.resolve('test/fixtures/sipp', f);

test('Example 2-17: CANCEL of a ringing call: 200 for the CANCEL, CANCEL downstream with our branch, 487 upstream, our own ACK downstream', async (t) => {
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
  const invBranch = caller.branch;
  const inv = await take(callee, isReq('INVITE'), 2000, 'INVITE at the callee');
  answer(callee, inv, 180, 'Ringing', { toTag: 'ringtag', contact: `<sip:bob@127.0.0.1:${callee.port}>` });
  await take(callerPeer, isResp(100, 'INVITE'), 2000, '100');
  await take(callerPeer, isResp(180, 'INVITE'), 2000, '180');

  caller.cancel(invText);
  assert.equal(caller.branch, invBranch, 'the CANCEL has the INVITE branch (§9.1)');
  // §16.10: a matching response context → 200 for the CANCEL at once, from the proxy
  const cOk = await take(callerPeer, isResp(200, 'CANCEL'), 2000, '200 for the CANCEL');
  assert.equal(cOk.vias.length, 1);
  assert.equal(cOk.via1.branch, invBranch);
  assert.equal(cOk.cseq.seq, 1);
  assert.equal(cOk.callId, caller.callId);

  // §16.10 and §9.1: the CANCEL for our branch: our INVITE's Request-URI, Call-ID, From, To,
  // CSeq number, and a single Via equal to the top Via of the INVITE we sent
  const can = await take(callee, isReq('CANCEL'), 2000, 'CANCEL at the callee');
  assert.equal(can.via1.branch, inv.via1.branch);
  assert.equal(can.via1.port, srv.port);
  assert.equal(can.vias.length, 1, 'only the Via of the INVITE we sent: ' + can.head);
  assert.equal(can.ruri, inv.ruri);
  assert.equal(can.callId, inv.callId);
  assert.equal(can.cseq.seq, inv.cseq.seq);
  assert.equal(can.cseq.method, 'CANCEL');
  assert.equal(can.from.tag, inv.from.tag);
  assert.equal(can.to.tag, undefined, 'the To of the INVITE, without the tag of the 180');

  answer(callee, can, 200, 'OK', { toTag: 'ringtag' });
  answer(callee, inv, 487, 'Request Terminated', { toTag: 'ringtag' });
  const r487 = await take(callerPeer, isResp(487, 'INVITE'), 2000, '487 for the INVITE');
  assert.equal(r487.vias.length, 1);
  assert.equal(r487.via1.branch, invBranch);
  assert.equal(r487.to.tag, 'ringtag');

  // §17.1.1.3: the proxy's client transaction acknowledges the 487 itself, with its INVITE's branch
  const ack = await take(callee, isReq('ACK'), 2000, "the proxy's ACK for the 487");
  assert.equal(ack.via1.branch, inv.via1.branch);
  assert.equal(ack.vias.length, 1);
  assert.equal(ack.ruri, inv.ruri);
  assert.equal(ack.cseq.seq, inv.cseq.seq);
  assert.equal(ack.cseq.method, 'ACK');
  assert.equal(ack.to.tag, 'ringtag');
  assert.equal(ack.callId, inv.callId);

  // the caller's ACK for the 487 ends at the proxy (it matches the server transaction, §17.2.1)
  caller.ackNon2xx(invText, r487);
  assert.deepEqual((await countWithin(callee, () => true, 400)).map((m) => m.method || m.status), [], 'nothing more at the callee');
  // and the 487 is not retransmitted once ACKed (Timer G stops, §17.2.1)
  assert.equal((await countWithin(callerPeer, isResp(487), 1200)).length, 0);
});

test('Example 2-17: a CANCEL retransmission gets the 200 again; a CANCEL after the final answer cancels nothing downstream', async (t) => {
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
  answer(callee, inv, 180, 'Ringing', { toTag: 't1' });
  await take(callerPeer, isResp(180), 2000, '180');
  const cancelText = caller.cancel(invText);
  const ok1 = await take(callerPeer, isResp(200, 'CANCEL'), 2000, '200 for the CANCEL');
  caller.send(cancelText);
  const ok2 = await take(callerPeer, isResp(200, 'CANCEL'), 2000, '200 again for the retransmitted CANCEL');
  assert.equal(ok2.to.tag, ok1.to.tag, 'the same response (same To tag)');
  const can = await take(callee, isReq('CANCEL'), 2000, 'CANCEL downstream');
  answer(callee, can, 200, 'OK');
  assert.equal((await countWithin(callee, isReq('CANCEL'), 300)).length, 0, 'the retransmission is absorbed, not forwarded as a second CANCEL');
  answer(callee, inv, 487, 'Request Terminated', { toTag: 't1' });
  const r487 = await take(callerPeer, isResp(487, 'INVITE'), 2000, '487');
  caller.ackNon2xx(invText, r487);
  await take(callee, isReq('ACK'), 2000, 'ACK for the 487');

  // a second call answered 486 before the caller's CANCEL comes
  const c2 = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
  const inv2Text = c2.invite();
  const inv2 = await take(callee, isReq('INVITE'), 2000, 'second INVITE');
  answer(callee, inv2, 486, 'Busy Here', { toTag: 't2' });
  await take(callerPeer, isResp(486, 'INVITE'), 2000, '486');
  await take(callee, isReq('ACK'), 2000, 'ACK for the 486');
  c2.cancel(inv2Text);
  // §16.10: the response context still exists: 200 for the CANCEL, no branch left to cancel
  const late = await take(callerPeer, (m) => !m.isRequest && m.cseq.method === 'CANCEL', 2000, 'answer to the late CANCEL');
  assert.equal(late.status, 200);
  assert.equal((await countWithin(callee, isReq('CANCEL'), 400)).length, 0, 'no CANCEL downstream after the final response');
});

test('Example 2-17: a CANCEL that matches nothing is forwarded (RFC 3261 §16.10) and the UAS\'s 481 comes back', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const callee = await UdpPeer.open();
  const callerPeer = await UdpPeer.open();
  t.after(async () => {
    callee.close();
    callerPeer.close();
    await srv.stop();
  });
  const caller = new Caller(callerPeer, srv.port, `sip:bob@127.0.0.1:${callee.port}`);
  caller.send(caller.build('CANCEL', { extra: [] }));
  const branch = caller.branch;
  // §16.10: "If a response context is not found ... It MUST statelessly forward the CANCEL"
  const can = await take(callee, isReq('CANCEL'), 2000, 'the unmatched CANCEL, forwarded');
  assert.equal(can.vias.length, 2);
  assert.equal(can.vias[1]!.branch, branch);
  // §9.2: the UAS has no transaction for it: 481
  answer(callee, can, 481, 'Call/Transaction Does Not Exist');
  const r = await take(callerPeer, (m) => !m.isRequest && m.cseq.method === 'CANCEL', 2000, 'the 481');
  assert.equal(r.status, 481);
  assert.equal(r.vias.length, 1);
  assert.equal(r.via1.branch, branch);
  assert.equal(r.callId, caller.callId);
  assert.equal(hv(r, 'cseq'), '1 CANCEL');
});

test('Example 2-17: 3 SIPp calls cancelled while ringing, each CANCEL/200/487/ACK complete on both sides', async (t) => {
  const srv = await startServer(guideCfg('ex2-17.cfg'));
  const uasPort = await freePort();
  const uas = startSipp(['-sf', sippDir('uas-cancel.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-m', '3', '-recv_timeout', '10000']);
  t.after(async () => {
    uas.kill('SIGKILL');
    await srv.stop();
  });
  await sleep(500);
  const res = await runSipp(
    [
      `127.0.0.1:${uasPort}`,
      '-sf', sippDir('uac-cancel.xml'),
      '-rsa', `127.0.0.1:${srv.port}`,
      '-s', 'bob',
      '-i', '127.0.0.1',
      '-p', String(await freePort()),
      '-m', '3',
      '-r', '10',
      '-l', '3',
      '-recv_timeout', '5000',
    ],
    40_000,
  );
  assert.equal(res.failed, 0, res.stdout + res.stderr);
  assert.equal(res.successful, 3, res.stdout + res.stderr);
  // the callee side ends its 3 calls only after the proxy's ACK for each 487: exit code 0
  const code = await new Promise<number | null>((resolve) => {
    if (uas.exitCode !== null) return resolve(uas.exitCode);
    const timer = setTimeout(() => resolve(null), 10_000);
    uas.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, 'the SIPp callee saw 3 complete calls');
});
