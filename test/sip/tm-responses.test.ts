import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipMessage } from '../../src/sip/parser/message.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// Response handling of the stateful proxy over loopback: challenge aggregation (RFC 3261 §16.7
// step 7), Timer C restarts (§16.7 step 2), and a 2xx that crosses our own final response.

function invite(callerPort: number, ruri: string, n: string): string {
  return (
    `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${callerPort};branch=z9hG4bKresp${n}\r\n` +
    `From: <sip:a@x>;tag=r${n}\r\nTo: <sip:bob@x>\r\nCall-ID: resp-${n}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

function answer(req: SipMessage, status: number, reason: string, extra = ''): string {
  const head = req.buf
    .toString('latin1')
    .split('\r\n')
    .filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l))
    .map((l) => (l.startsWith('To:') && status > 100 ? l + ';tag=uas' : l));
  return `SIP/2.0 ${status} ${reason}\r\n${head.join('\r\n')}\r\n${extra}Content-Length: 0\r\n\r\n`;
}

/** Next message on `peer` that satisfies `ok`, skipping others; fails after `ms`. */
async function next(peer: UdpPeer, ok: (m: SipMessage) => boolean, ms = 3000): Promise<SipMessage> {
  const end = Date.now() + ms;
  for (;;) {
    const m = await peer.expect(Math.max(1, end - Date.now()));
    if (ok(m)) return m;
  }
}

async function setup(t: import('node:test').TestContext, cfg: string, peers = 1): Promise<{ srv: TestServer; caller: UdpPeer; callees: UdpPeer[] }> {
  const callees = await Promise.all(Array.from({ length: peers }, () => UdpPeer.open()));
  const srv = await startServer(cfg.replace(/\{p(\d)\}/g, (_, i: string) => String(callees[Number(i)]!.port)));
  const caller = await UdpPeer.open();
  t.after(async () => {
    caller.close();
    for (const c of callees) c.close();
    await srv.stop();
  });
  return { srv, caller, callees };
}

const HEAD = 'loadmodule "sl.so"\nloadmodule "tm.so"\n';

test('§16.7 step 7: a 401 and a 407 from two branches go up as one response carrying both challenges', async (t) => {
  const { srv, caller, callees } = await setup(t, HEAD + 'route{ append_branch("sip:bob@127.0.0.1:{p1}"); t_relay(); }\n', 2);
  caller.send(invite(caller.port, `sip:bob@127.0.0.1:${callees[0]!.port}`, '1'), srv.port);
  const [a, b] = await Promise.all(callees.map((c) => next(c, (m) => m.method === 'INVITE')));
  callees[0]!.send(answer(a!, 401, 'Unauthorized', 'WWW-Authenticate: Digest realm="a.example", nonce="n1"\r\n'), srv.port);
  callees[1]!.send(answer(b!, 407, 'Proxy Authentication Required', 'Proxy-Authenticate: Digest realm="b.example", nonce="n2"\r\n'), srv.port);
  const fin = await next(caller, (m) => m.status >= 200);
  assert.equal(fin.status, 401, 'the lowest code of the class');
  const text = fin.buf.toString('latin1');
  assert.match(text, /\r\nWWW-Authenticate: Digest realm="a\.example", nonce="n1"\r\n/);
  assert.match(text, /\r\nProxy-Authenticate: Digest realm="b\.example", nonce="n2"\r\n/);
  assert.equal(fin.vias.length, 1, 'only the caller\'s Via');
});

test('§16.7 step 2: Timer C (fr_inv_timer) restarts with each provisional response', async (t) => {
  const { srv, caller, callees } = await setup(t, HEAD + 'modparam("tm", "fr_inv_timer", 1)\nroute{ t_relay(); }\n');
  const callee = callees[0]!;
  caller.send(invite(caller.port, `sip:bob@127.0.0.1:${callee.port}`, '2'), srv.port);
  const inv = await next(callee, (m) => m.method === 'INVITE');
  const t0 = Date.now();
  callee.send(answer(inv, 180, 'Ringing'), srv.port);
  await new Promise((r) => setTimeout(r, 700));
  callee.send(answer(inv, 183, 'Session Progress'), srv.port);
  const cancel = await next(callee, (m) => m.method === 'CANCEL', 4000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 1600, `CANCEL after ${waited} ms: the 183 at 700 ms restarted the 1 s timer`);
  assert.equal(cancel.via1.branch, inv.via1.branch);
});

test('a 2xx that crosses our own 408 still reaches the caller (RFC 3261 §16.7 step 5, RFC 6026)', async (t) => {
  const { srv, caller, callees } = await setup(t, HEAD + 'modparam("tm", "fr_inv_timer", 1)\nroute{ t_relay(); }\n');
  const callee = callees[0]!;
  caller.send(invite(caller.port, `sip:bob@127.0.0.1:${callee.port}`, '3'), srv.port);
  const inv = await next(callee, (m) => m.method === 'INVITE');
  callee.send(answer(inv, 180, 'Ringing'), srv.port);
  const cancel = await next(callee, (m) => m.method === 'CANCEL', 4000);
  const timeout = await next(caller, (m) => m.status >= 200);
  assert.equal(timeout.status, 408);
  // the callee answered before the CANCEL reached it
  callee.send(answer(inv, 200, 'OK', 'Contact: <sip:bob@127.0.0.1>\r\n'), srv.port);
  callee.send(answer(cancel, 200, 'OK'), srv.port);
  const ok = await next(caller, (m) => m.status === 200);
  assert.equal(ok.cseq.method, 'INVITE');
  assert.equal(ok.vias.length, 1);
});
