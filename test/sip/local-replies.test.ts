import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';

// Local replies: where they go (source address by default, the top Via with reply_to_via), and
// the headers the options add (Server, SER's Warning), the To tag and the copied Vias.

test('by default a reply goes to the source address; with reply_to_via=yes to the top Via', async (t) => {
  const a = await UdpPeer.open();
  const b = await UdpPeer.open();
  const plain = await startServer(`loadmodule "sl.so" route { sl_send_reply("200", "OK"); }`);
  const viaCfg = await startServer(`reply_to_via=yes\nloadmodule "sl.so" route { sl_send_reply("200", "OK"); }`);
  t.after(async () => {
    a.close();
    b.close();
    await plain.stop();
    await viaCfg.stop();
  });
  // sent from a, but the Via names b
  const req = request({ via: `SIP/2.0/UDP 127.0.0.1:${b.port};branch=z9hG4bKrtv` });
  a.send(req, plain.port);
  assert.equal((await a.expect()).status, 200);
  assert.equal(await b.silence(200), true);
  a.send(req, viaCfg.port);
  assert.equal((await b.expect()).status, 200);
  assert.equal(await a.silence(200), true);
});

test('Server and Warning headers follow server_signature and sip_warning; To gets a stable tag', async (t) => {
  const ua = await UdpPeer.open();
  const on = await startServer(`loadmodule "sl.so" route { rewriteuser("out"); sl_send_reply("404", "Not Found"); }`);
  const off = await startServer(`server_signature=no\nsip_warning=no\nloadmodule "sl.so" route { sl_send_reply("404", "Not Found"); }`);
  t.after(async () => {
    ua.close();
    await on.stop();
    await off.stop();
  });
  const req = request({ uri: 'sip:in@example.com', port: ua.port, via: `SIP/2.0/UDP client.example:${ua.port};branch=z9hG4bKw` });
  ua.send(req, on.port);
  const r = await ua.expect();
  assert.match(r.value(r.header('server')!), /^Sip EXpress router \(0\.\d+\.\d+ \([a-z0-9]+\/[a-z]+\)\)$/);
  // SER's format, admin guide Example 3-1
  assert.equal(
    r.value(r.header('warning')!),
    `392 127.0.0.1:${on.port} "Noisy feedback tells: pid=${process.pid} req_src_ip=127.0.0.1 in_uri=sip:in@example.com out_uri=sip:out@example.com via_cnt==1"`,
  );
  // the Via host is a name, so received is added (RFC 3261 §18.2.1)
  assert.equal(r.via1.received, '127.0.0.1');
  const tag = r.to.tag;
  assert.ok(tag && tag.length > 32);
  ua.send(req, on.port);
  assert.equal((await ua.expect()).to.tag, tag, 'a retransmission gets the same tag');
  ua.send(request({ port: ua.port }), on.port);
  assert.notEqual((await ua.expect()).to.tag, tag, 'another request another tag');

  ua.send(req, off.port);
  const q = await ua.expect();
  assert.equal(q.header('server'), undefined);
  assert.equal(q.header('warning'), undefined);
});

test('the ACK for a stateless error reply is absorbed, not routed', async (t) => {
  const ua = await UdpPeer.open();
  const callee = await UdpPeer.open();
  const srv = await startServer(`loadmodule "sl.so" route { if (method=="ACK") { forward(127.0.0.1, ${callee.port}); break; }; sl_send_reply("486", "Busy Here"); }`);
  t.after(async () => {
    ua.close();
    callee.close();
    await srv.stop();
  });
  const via = `SIP/2.0/UDP 127.0.0.1:${ua.port};branch=z9hG4bKack1`;
  ua.send(request({ method: 'INVITE', via, callId: 'ack1', cseq: 5 }), srv.port);
  const r = await ua.expect();
  assert.equal(r.status, 486);
  ua.send(request({ method: 'ACK', via, callId: 'ack1', cseq: 5, to: `<sip:test@127.0.0.1>;tag=${r.to.tag}` }), srv.port);
  assert.equal(await callee.silence(300), true, 'our ACK was not forwarded');
  // an ACK with someone else's tag is routed by the script
  ua.send(request({ method: 'ACK', via, callId: 'ack2', cseq: 5, to: '<sip:test@127.0.0.1>;tag=other' }), srv.port);
  assert.equal((await callee.expect()).method, 'ACK');
});

test("a local reply copies the received Vias with received/rport only, not the script's edits (RFC 3261 §8.2.6.2)", async (t) => {
  const ua = await UdpPeer.open();
  const next = await UdpPeer.open();
  const srv = await startServer(`loadmodule "sl.so"
    loadmodule "textops.so"
    route {
      replace("branch=z9hG4bKorig", "branch=z9hG4bKedited");
      if (uri=~"^sip:fwd@") { forward(127.0.0.1, ${next.port}); break; };
      sl_send_reply("404", "Not Found");
    }`);
  t.after(async () => {
    ua.close();
    next.close();
    await srv.stop();
  });
  // the sent-by is a name and rport is empty: both received and rport are owed
  const via = `SIP/2.0/UDP client.example:${ua.port};rport;branch=z9hG4bKorig`;
  ua.send(request({ port: ua.port, via }), srv.port);
  const r = await ua.expect();
  assert.equal(r.status, 404);
  assert.equal(r.vias.length, 1);
  assert.equal(r.via1.branch, 'z9hG4bKorig', 'the UA matches the response by its own branch');
  assert.equal(r.via1.received, '127.0.0.1');
  assert.equal(r.via1.rport, String(ua.port));
  // the forwarded request carries the script's edit, as SER's lumps did
  ua.send(request({ uri: 'sip:fwd@127.0.0.1', port: ua.port, via }), srv.port);
  const fwd = (await next.next())?.toString('latin1') ?? '';
  assert.match(fwd, new RegExp(`Via: SIP/2\\.0/UDP client\\.example:${ua.port};rport=${ua.port};branch=z9hG4bKedited;received=127\\.0\\.0\\.1\\r\\n`));
});
