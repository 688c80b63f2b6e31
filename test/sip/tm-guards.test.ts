import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tm } from '../../src/modules/tm/tm.js';
import { startServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// The bounds tm keeps whatever the script or the peers do: a failure route that re-arms itself,
// and the max_transactions limit.

function invite(callerPort: number, calleePort: number, n: number): string {
  return (
    `INVITE sip:bob@127.0.0.1:${calleePort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${callerPort};branch=z9hG4bKguard${n}\r\n` +
    `From: <sip:a@x>;tag=g${n}\r\nTo: <sip:bob@x>\r\nCall-ID: guard-${n}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

function answer(req: Buffer, status: number, reason: string): string {
  const head = req
    .toString('latin1')
    .split('\r\n')
    .filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l))
    .map((l) => (l.startsWith('To:') ? l + ';tag=uas' : l));
  return `SIP/2.0 ${status} ${reason}\r\n${head.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`;
}

test('a failure route that re-arms itself and cannot relay runs a bounded number of times; the caller gets the best response', async (t) => {
  const srv = await startServer(
    'loadmodule "sl.so"\nloadmodule "tm.so"\nroute{ t_on_failure("1"); t_relay(); }\n' +
      'failure_route[1] { log(1, "again\\n"); t_on_failure("1"); append_branch("tel:+123"); t_relay(); }\n',
    { debug: 3 },
  );
  const caller = await UdpPeer.open();
  const callee = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    callee.close();
    await srv.stop();
  });
  caller.send(invite(caller.port, callee.port, 1), srv.port);
  const fwd = await callee.expect();
  callee.send(answer(fwd.buf, 486, 'Busy Here'), srv.port);
  let final;
  for (;;) {
    final = await caller.expect();
    if (final.status >= 200) break;
  }
  assert.equal(final.status, 486);
  const runs = srv.log.lines.filter((l) => l.includes('again') && !l.includes('failure routes ran')).length;
  assert.equal(runs, 12, 'as many runs as a destination set has URIs');
  assert.ok(await srv.waitLog(/failure routes ran 12 times/), 'the loop is logged');
  assert.equal(await caller.silence(200), true);
});

test('max_transactions: once the table is full, new requests get 503 with Retry-After; retransmissions still get their answer', async (t) => {
  const srv = await startServer('loadmodule "sl.so"\nloadmodule "tm.so"\nmodparam("tm", "max_transactions", 2)\nroute{ t_relay(); }\n');
  const caller = await UdpPeer.open();
  const callee = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    callee.close();
    await srv.stop();
  });
  const tm = srv.server.states.get('tm') as Tm;
  for (const n of [1, 2]) {
    caller.send(invite(caller.port, callee.port, n), srv.port);
    assert.equal((await caller.expect()).status, 100);
    await callee.expect();
  }
  assert.equal(tm.stats.current, 2);
  caller.send(invite(caller.port, callee.port, 3), srv.port);
  const refused = await caller.expect();
  assert.equal(refused.status, 503);
  assert.match(refused.buf.toString('latin1'), /\r\nRetry-After: 5\r\n/);
  assert.equal(await callee.silence(200), true, 'the third INVITE was not forwarded');
  caller.send(invite(caller.port, callee.port, 1), srv.port);
  assert.equal((await caller.expect()).status, 100, 'a retransmission of a live transaction is still answered');
  assert.ok(await srv.waitLog(/max_transactions/));
});

test('t_newtran twice for one request: the second logs "transaction already in process" and is false; t_reply without a transaction is false', async (t) => {
  const srv = await startServer(
    'loadmodule "sl.so"\nloadmodule "tm.so"\nroute{\n' +
      '  if (method=="MESSAGE") { if (!t_reply("200", "too early")) { log(1, "no T\\n"); }; sl_send_reply("202", "stateless"); break; };\n' +
      '  t_newtran();\n  if (!t_newtran()) { t_reply("500", "second t_newtran failed"); break; };\n  t_reply("200", "unexpected");\n}\n',
    { debug: 3 },
  );
  const caller = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    await srv.stop();
  });
  caller.send(invite(caller.port, 9, 10).replaceAll('INVITE', 'OPTIONS'), srv.port);
  const r = await caller.expect();
  assert.equal(r.status, 500);
  assert.match(r.buf.toString('latin1'), /^SIP\/2\.0 500 second t_newtran failed\r\n/);
  assert.ok(await srv.waitLog(/t_newtran: transaction already in process/));
  caller.send(invite(caller.port, 9, 11).replaceAll('INVITE', 'MESSAGE'), srv.port);
  assert.equal((await caller.expect()).status, 202);
  assert.ok(await srv.waitLog(/t_reply: cannot send a t_reply to a message for which no T-state has been established/));
  assert.ok(await srv.waitLog(/no T/));
});

test('t_reply in failure_route answers instead of the response that failed', async (t) => {
  const srv = await startServer(
    'loadmodule "sl.so"\nloadmodule "tm.so"\nroute{ t_on_failure("1"); t_relay(); }\nfailure_route[1] { t_reply("480", "Temporarily Unavailable"); }\n',
  );
  const caller = await UdpPeer.open();
  const callee = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    callee.close();
    await srv.stop();
  });
  caller.send(invite(caller.port, callee.port, 12), srv.port);
  const fwd = await callee.expect();
  callee.send(answer(fwd.buf, 486, 'Busy Here'), srv.port);
  let final;
  do final = await caller.expect();
  while (final.status < 200);
  assert.equal(final.status, 480);
  assert.match(final.buf.toString('latin1'), /^SIP\/2\.0 480 Temporarily Unavailable\r\n/);
  const ack = await callee.expect();
  assert.equal(ack.method, 'ACK', 'the 486 was ACKed hop by hop');
});

test('RFC 2543 peers (no z9hG4bK branch): retransmissions and the ACK for a non-2xx are matched by Request-URI, tags, Call-ID, CSeq and Via', async (t) => {
  const srv = await startServer('loadmodule "sl.so"\nloadmodule "tm.so"\nroute{ t_relay(); }\n');
  const caller = await UdpPeer.open();
  const callee = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    callee.close();
    await srv.stop();
  });
  const old = invite(caller.port, callee.port, 13).replace(';branch=z9hG4bKguard13', '');
  caller.send(old, srv.port);
  assert.equal((await caller.expect()).status, 100);
  const fwd = await callee.expect();
  caller.send(old, srv.port); // retransmission
  assert.equal((await caller.expect()).status, 100, 'the last response again');
  assert.equal(await callee.silence(200), true, 'not forwarded twice');
  callee.send(answer(fwd.buf, 404, 'Not Found'), srv.port);
  const nf = await caller.expect();
  assert.equal(nf.status, 404);
  assert.equal((await callee.expect()).method, 'ACK');
  const ack = old.replace('INVITE sip:', 'ACK sip:').replace('CSeq: 1 INVITE', 'CSeq: 1 ACK').replace('To: <sip:bob@x>', `To: <sip:bob@x>;tag=uas`);
  caller.send(ack, srv.port);
  assert.equal(await caller.silence(1200), true, 'the ACK stopped the 404 retransmissions (Timer G, T1 = 500 ms)');
  assert.equal(await callee.silence(100), true, 'and was not forwarded');
});
