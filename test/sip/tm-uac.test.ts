import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../src/sip/parser/message.js';
import type { Completion, Tm } from '../../src/modules/tm/tm.js';
import { sendRequest } from '../../src/modules/tm/uac.js';
import { startServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// tm's local UAC (what serctl ping and t_uac_dlg use) and its completion hook (what acc uses),
// over real loopback sockets.

const CFG = 'loadmodule "sl.so"\nloadmodule "tm.so"\nmodparam("tm", "fr_timer", 1)\nmodparam("tm", "t1", 100)\nroute{ t_relay(); }\n';

function options(peerPort: number) {
  return (via: string) =>
    Buffer.from(
      `OPTIONS sip:ping@127.0.0.1:${peerPort} SIP/2.0\r\n${via}From: <sip:ser@127.0.0.1>;tag=local1\r\n` +
        `To: <sip:ping@127.0.0.1:${peerPort}>\r\nCall-ID: uac-${Math.random()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      'latin1',
    );
}

test('the local UAC sends a request with our Via and resolves with the final response', async (t) => {
  const srv = await startServer(CFG);
  const peer = await UdpPeer.open();
  t.after(async () => {
    peer.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  const done = tm.uac('OPTIONS', options(peer.port), { ip: '127.0.0.1', port: peer.port, family: 4, transport: 'udp' }, 'udp');
  const req = await peer.expect();
  assert.equal(req.method, 'OPTIONS');
  assert.ok(req.via1.branch?.startsWith(tm.branchPrefix), 'our branch');
  assert.equal(req.via1.port, srv.port);
  const head = req.buf.toString('latin1').split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l));
  peer.send(`SIP/2.0 200 OK\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, srv.port);
  const r = await done;
  assert.equal(r.status, 200);
  assert.equal(r.msg?.cseq.method, 'OPTIONS');
  assert.equal(tm.stats.local, 1);
  assert.equal(tm.stats.completed[2], 1);
});

test('the local UAC gives 408 when nobody answers, after retransmitting (Timer E) until fr_timer', async (t) => {
  const srv = await startServer(CFG);
  const peer = await UdpPeer.open();
  t.after(async () => {
    peer.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  const started = Date.now();
  const r = await tm.uac('OPTIONS', options(peer.port), { ip: '127.0.0.1', port: peer.port, family: 4, transport: 'udp' }, 'udp');
  assert.equal(r.status, 408);
  assert.ok(Date.now() - started >= 900, 'not before fr_timer (1 s)');
  const copies = peer.received.map((x) => parseMessage(x.msg)).filter((m) => m.method === 'OPTIONS');
  assert.ok(copies.length >= 3, `retransmitted (${copies.length} copies at T1 = 100 ms)`);
  assert.equal(new Set(copies.map((m) => m.via1.branch)).size, 1, 'one branch for every copy');
});

test('the completion hook runs once per relayed transaction with its final status, whatever the retransmissions', async (t) => {
  const srv = await startServer(CFG);
  const caller = await UdpPeer.open();
  const callee = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    callee.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  const seen: { status: number; method: string | undefined; local: boolean }[] = [];
  tm.onComplete((c: Completion) => seen.push({ status: c.status, method: c.request()?.msg.method, local: c.local }));
  const req =
    `MESSAGE sip:bob@127.0.0.1:${callee.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bKhook1\r\n` +
    `From: <sip:a@x>;tag=1\r\nTo: <sip:bob@x>\r\nCall-ID: hook1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  caller.send(req, srv.port);
  const fwd = await callee.expect();
  caller.send(req, srv.port); // a retransmission: absorbed
  const head = fwd.buf.toString('latin1').split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l));
  callee.send(`SIP/2.0 486 Busy Here\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, srv.port);
  callee.send(`SIP/2.0 486 Busy Here\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, srv.port);
  const resp = await caller.expect();
  assert.equal(resp.status, 486);
  caller.send(req, srv.port); // after the final response: the 486 again, no new report
  assert.equal((await caller.expect()).status, 486);
  assert.equal(await callee.silence(200), true, 'the retransmissions were not forwarded');
  assert.deepEqual(seen, [{ status: 486, method: 'MESSAGE', local: false }]);
});

test('sendRequest: an OPTIONS to a URI gets what RFC 3261 §8.1.1 asks of a request, and the final response', async (t) => {
  const srv = await startServer(CFG);
  const peer = await UdpPeer.open();
  t.after(async () => {
    peer.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  const done = sendRequest(tm, { method: 'OPTIONS', ruri: `sip:ping@127.0.0.1:${peer.port}`, headers: ['Accept: application/sdp'] });
  const req = await peer.expect();
  assert.equal(req.method, 'OPTIONS');
  assert.equal(req.ruri, `sip:ping@127.0.0.1:${peer.port}`);
  assert.ok(req.from.tag, 'a From tag');
  assert.equal(req.to.uri, `sip:ping@127.0.0.1:${peer.port}`);
  assert.ok(req.callId.length > 10);
  assert.deepEqual([req.cseq.seq, req.cseq.method], [1, 'OPTIONS']);
  assert.equal(req.maxForwards, 70);
  assert.match(req.buf.toString('latin1'), /\r\nUser-Agent: Sip EXpress router/);
  assert.match(req.buf.toString('latin1'), /\r\nAccept: application\/sdp\r\n/);
  const head = req.buf.toString('latin1').split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l));
  peer.send(`SIP/2.0 200 Fine\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, srv.port);
  const r = await done;
  assert.deepEqual([r.status, r.reason], [200, 'Fine']);
});

test('sendRequest: given From/To/Call-ID/CSeq are used as they are; an unusable URI is refused without sending', async (t) => {
  const srv = await startServer(CFG);
  const peer = await UdpPeer.open();
  t.after(async () => {
    peer.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  const done = sendRequest(tm, {
    method: 'NOTIFY',
    ruri: `sip:phone@127.0.0.1:${peer.port}`,
    headers: ['From: <sip:admin@example.com>;tag=abc', 'To: <sip:phone@example.com>', 'Call-ID: fixed-1', 'CSeq: 7 NOTIFY', 'Event: check-sync'],
  });
  const req = await peer.expect();
  assert.equal(req.from.tag, 'abc');
  assert.equal(req.to.uri, 'sip:phone@example.com');
  assert.equal(req.callId, 'fixed-1');
  assert.equal(req.cseq.seq, 7);
  assert.equal(req.headersNamed('from').length, 1, 'no second From');
  const head = req.buf.toString('latin1').split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l));
  peer.send(`SIP/2.0 481 No Such Call\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, srv.port);
  assert.equal((await done).status, 481);
  assert.equal((await sendRequest(tm, { method: 'OPTIONS', ruri: 'tel:+1234' })).status, 416);
  assert.equal((await sendRequest(tm, { method: 'OPTIONS', ruri: 'sip:' })).status, 400);
  assert.equal(await peer.silence(100), true);
});
