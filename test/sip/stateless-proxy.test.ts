import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser/message.js';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Stateless forwarding (RFC 3261 §16.11) through a real server on loopback: a "caller" peer
// sends to the server, which forwards to a "callee" peer; the callee answers; the answer must
// come back to the caller.

describe('stateless proxy', () => {
  let srv: TestServer;
  let callee: UdpPeer;
  let caller: UdpPeer;

  before(async () => {
    callee = await UdpPeer.open();
    caller = await UdpPeer.open();
    srv = await startServer(`
      loadmodule "/usr/lib/ser/modules/sl.so"
      loadmodule "maxfwd.so"
      route {
        if (uri=~"^sip:mf@") { forward(127.0.0.1, ${callee.port}); break; };
        if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); break; };
        if (uri=~"^sip:loop@") { forward(127.0.0.1, {port}); break; };
        if (uri=~"^sip:spiral@") { rewriteuser("callee"); forward(127.0.0.1, {port}); break; };
        if (uri=~"^sip:rewrite@") { rewritehostport("127.0.0.1:${callee.port}"); prefix("00"); forward(uri:host, uri:port); break; };
        forward(127.0.0.1, ${callee.port});
      }`);
  });
  after(async () => {
    await srv.stop();
    callee.close();
    caller.close();
  });

  test('a request leaves with our Via on top and every other byte as it came', async () => {
    const req = request({ uri: 'sip:bob@example.com', port: caller.port, extra: ['X-Odd:   keep  ;;,, this', 'Subject: hello'] });
    caller.send(req, srv.port);
    const got = await callee.expect();
    const out = got.buf.toString('latin1');
    assert.match(out, new RegExp(`^OPTIONS sip:bob@example.com SIP/2.0\\r\\nVia: SIP/2.0/UDP 127.0.0.1:${srv.port};branch=z9hG4bK[^\\r]+\\r\\nVia: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=`));
    assert.match(out, /\r\nX-Odd:   keep  ;;,, this\r\n/);
    assert.match(out, /\r\nMax-Forwards: 69\r\n/);
    // everything but our Via line and the decremented Max-Forwards is byte for byte the request
    const stripped = out.replace(/^(.*\r\n)Via: [^\r]*\r\n/, '$1').replace('Max-Forwards: 69', 'Max-Forwards: 70');
    assert.equal(stripped, req);
  });

  test('a retransmission gets the same branch; another transaction another one', async () => {
    const req = request({ uri: 'sip:bob@example.com', port: caller.port });
    caller.send(req, srv.port);
    caller.send(req, srv.port);
    const b1 = (await callee.expect()).via1.branch;
    const b2 = (await callee.expect()).via1.branch;
    assert.equal(b1, b2);
    caller.send(request({ uri: 'sip:bob@example.com', port: caller.port }), srv.port);
    assert.notEqual((await callee.expect()).via1.branch, b1);
  });

  test('the CANCEL of an INVITE gets the INVITE branch (RFC 3261 §16.11)', async () => {
    const via = `SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bKcancelme`;
    const common = { uri: 'sip:bob@example.com', via, callId: 'c1', from: '<sip:a@b>;tag=1', cseq: 7, port: caller.port };
    caller.send(request({ ...common, method: 'INVITE' }), srv.port);
    caller.send(request({ ...common, method: 'CANCEL' }), srv.port);
    const inv = await callee.expect();
    const can = await callee.expect();
    assert.equal(inv.method, 'INVITE');
    assert.equal(can.method, 'CANCEL');
    assert.equal(can.via1.branch, inv.via1.branch);
  });

  test('the response goes back to the caller without our Via', async () => {
    caller.send(request({ uri: 'sip:bob@example.com', port: caller.port, callId: 'resp1' }), srv.port);
    const fwd = await callee.expect();
    // the callee answers to the top Via, as a UA does (RFC 3261 §18.2.2)
    const reply =
      `SIP/2.0 200 OK\r\n` +
      fwd.headers
        .filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name))
        .map((h) => fwd.head.slice(h.start, h.end))
        .join('') +
      'Content-Length: 0\r\n\r\n';
    callee.send(reply, srv.port);
    const back = await caller.expect();
    assert.equal(back.status, 200);
    assert.equal(back.vias.length, 1);
    assert.equal(back.via1.port, caller.port);
    assert.equal(back.callId, 'resp1@test');
  });

  test('a response whose top Via is not ours is dropped (RFC 3261 §18.1.2)', async () => {
    const reply =
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.9.9.9:5060;branch=z9hG4bKx\r\n' +
      `Via: SIP/2.0/UDP 127.0.0.1:${caller.port};branch=z9hG4bKy\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    callee.send(reply, srv.port);
    assert.equal(await caller.silence(300), true);
  });

  test('received and rport are added to the top Via (RFC 3261 §18.2.1, RFC 3581)', async () => {
    caller.send(
      request({ uri: 'sip:bob@example.com', via: `SIP/2.0/UDP 192.0.2.7:5999;rport;branch=z9hG4bKrp` }),
      srv.port,
    );
    const fwd = await callee.expect();
    const theirs = fwd.vias[1]!;
    assert.equal(theirs.received, '127.0.0.1');
    assert.equal(theirs.rport, String(caller.port));
    assert.match(fwd.head, new RegExp(`192\\.0\\.2\\.7:5999;rport=${caller.port};branch=z9hG4bKrp;received=127\\.0\\.0\\.1`));
    // and the response follows received/rport, not the sent-by
    const reply =
      'SIP/2.0 180 Ringing\r\n' +
      fwd.headers.filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name)).map((h) => fwd.head.slice(h.start, h.end)).join('') +
      'Content-Length: 0\r\n\r\n';
    callee.send(reply, srv.port);
    const back = await caller.expect();
    assert.equal(back.status, 180);
  });

  test('Max-Forwards: 0 gets 483 from the script; no header gets one added', async () => {
    caller.send(request({ uri: 'sip:bob@example.com', port: caller.port, maxForwards: 0 }), srv.port);
    const r = await caller.expect();
    assert.equal(r.status, 483);
    assert.equal(await callee.silence(200), true);
    caller.send(request({ uri: 'sip:bob@example.com', port: caller.port, maxForwards: null }), srv.port);
    const fwd = await callee.expect();
    assert.equal(fwd.maxForwards, 10);
  });

  test('without maxfwd in the script, forward() itself decrements, adds 70, or answers 483 (RFC 3261 §16.6 step 3)', async () => {
    caller.send(request({ uri: 'sip:mf@example.com', port: caller.port, maxForwards: 5 }), srv.port);
    assert.equal((await callee.expect()).maxForwards, 4);
    caller.send(request({ uri: 'sip:mf@example.com', port: caller.port, maxForwards: null }), srv.port);
    assert.equal((await callee.expect()).maxForwards, 70);
    caller.send(request({ uri: 'sip:mf@example.com', port: caller.port, maxForwards: 0 }), srv.port);
    assert.equal((await caller.expect()).status, 483);
    assert.equal(await callee.silence(200), true);
  });

  test('a request that comes back unchanged is a loop: 482 (RFC 3261 §16.3 step 4)', async () => {
    caller.send(request({ uri: 'sip:loop@example.com', port: caller.port, maxForwards: 70 }), srv.port);
    const r = await caller.expect();
    assert.equal(r.status, 482);
    assert.equal(r.vias.length, 1);
  });

  test('a request that comes back with another Request-URI is a spiral and goes on', async () => {
    caller.send(request({ uri: 'sip:spiral@example.com', port: caller.port }), srv.port);
    const fwd = await callee.expect();
    assert.equal(fwd.ruri, 'sip:callee@example.com');
    assert.equal(fwd.vias.length, 3);
  });

  test('rewritten Request-URI and uri:host/uri:port forwarding', async () => {
    caller.send(request({ uri: 'sip:rewrite@example.com;user=phone', port: caller.port }), srv.port);
    const fwd = await callee.expect();
    assert.equal(fwd.ruri, `sip:00rewrite@127.0.0.1:${callee.port};user=phone`);
  });

  test('trailing bytes after Content-Length are not forwarded (RFC 4475 dblreq)', async () => {
    const req = request({ uri: 'sip:bob@example.com', port: caller.port });
    caller.send(req + 'INVITE sip:junk@example.com SIP/2.0\r\n\r\n', srv.port);
    const fwd = await callee.expect();
    assert.equal(fwd.buf.toString('latin1').includes('junk'), false);
  });

  test('a request without Content-Length gets one when forwarded', async () => {
    const req = request({ uri: 'sip:bob@example.com', port: caller.port, body: 'v=0\r\n' }).replace(/Content-Length: \d+\r\n/, '');
    caller.send(req, srv.port);
    const fwd = await callee.expect();
    assert.equal(fwd.contentLength, 5);
    assert.equal(fwd.body.toString(), 'v=0\r\n');
    void parseMessage;
  });
});
