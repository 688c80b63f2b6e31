import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { parseMessage } from '../../src/sip/parser/message.js';
import { request, TcpPeer, UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';

// TCP: framing by Content-Length, answers on the same connection, keep-alives, limits, and
// forwarding between UDP and TCP (RFC 3261 §18.3, §18.2.2).

function splitMessages(b: Buffer): string[] {
  const out: string[] = [];
  let s = b.toString('latin1');
  for (;;) {
    const i = s.indexOf('\r\n\r\n');
    if (i < 0) break;
    const cl = /Content-Length: *(\d+)/i.exec(s.slice(0, i));
    const end = i + 4 + (cl ? Number(cl[1]) : 0);
    out.push(s.slice(0, end));
    s = s.slice(end);
  }
  return out;
}

describe('TCP transport', () => {
  let srv: TestServer;
  let tcpCallee: net.Server;
  let tcpCalleePort = 0;
  const calleeGot: Buffer[] = [];
  let udpCallee: UdpPeer;

  before(async () => {
    udpCallee = await UdpPeer.open();
    tcpCallee = net.createServer((sock) => {
      sock.on('data', (d) => {
        calleeGot.push(d);
        // answer every request with 200 over the same connection, as a UA does
        for (const m of splitMessages(d)) {
          const req = parseMessage(Buffer.from(m, 'latin1'), 'stream');
          const copy = req.headers
            .filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name))
            .map((h) => req.head.slice(h.start, h.end))
            .join('');
          sock.write(`SIP/2.0 200 OK\r\n${copy}Content-Length: 0\r\n\r\n`);
        }
      });
    });
    await new Promise<void>((r) => tcpCallee.listen(0, '127.0.0.1', () => r()));
    tcpCalleePort = (tcpCallee.address() as net.AddressInfo).port;
    srv = await startServer(`
      tcp_read_timeout=1
      max_msg_size=2000
      loadmodule "sl.so"
      route {
        if (uri=~"^sip:totcp@") { forward_tcp(127.0.0.1, ${tcpCalleePort}); break; };
        if (uri=~"^sip:toudp@") { forward_udp(127.0.0.1, ${udpCallee.port}); break; };
        sl_send_reply("200", "OK");
      }`);
  });
  after(async () => {
    await srv.stop();
    tcpCallee.close();
    udpCallee.close();
  });

  test('a request over TCP is answered on the same connection', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ transport: 'TCP' }));
    assert.ok(await c.waitFor((b) => b.includes('\r\n\r\n')));
    const r = parseMessage(c.take(), 'stream');
    assert.equal(r.status, 200);
  });

  test('two requests in one write, and one request split byte by byte, are both framed', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ transport: 'TCP', callId: 'a' }) + request({ transport: 'TCP', callId: 'b' }));
    assert.ok(await c.waitFor((b) => splitMessages(b).length === 2));
    assert.deepEqual(
      splitMessages(c.take()).map((m) => parseMessage(Buffer.from(m, 'latin1'), 'stream').callId),
      ['a@test', 'b@test'],
    );
    const one = Buffer.from(request({ transport: 'TCP', callId: 'c', body: 'hello' }), 'latin1');
    for (let i = 0; i < one.length; i++) {
      c.write(one.subarray(i, i + 1));
      if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.ok(await c.waitFor((b) => splitMessages(b).length === 1));
    assert.equal(parseMessage(c.take(), 'stream').callId, 'c@test');
  });

  test('leading CRLFs are skipped and a CRLFCRLF keep-alive gets a CRLF (RFC 3261 §7.5, RFC 5626 §3.5.1)', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write('\r\n\r\n');
    assert.ok(await c.waitFor((b) => b.toString() === '\r\n'));
    c.take();
    c.write('\r\n' + request({ transport: 'TCP' }));
    assert.ok(await c.waitFor((b) => b.includes('\r\n\r\n')));
    assert.equal(parseMessage(c.take(), 'stream').status, 200);
  });

  test('a message larger than max_msg_size closes the connection', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ transport: 'TCP', body: 'x'.repeat(3000) }));
    assert.ok(await c.waitClosed(2000));
  });

  test('a message that never completes is cut off after tcp_read_timeout (RFC 4475 clerr over TCP)', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ transport: 'TCP' }).replace('Content-Length: 0', 'Content-Length: 999'));
    const t0 = Date.now();
    assert.ok(await c.waitClosed(3000));
    assert.ok(Date.now() - t0 >= 900, 'not before the timeout');
  });

  test('a negative Content-Length closes the connection (RFC 4475 ncl)', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ transport: 'TCP' }).replace('Content-Length: 0', 'Content-Length: -999'));
    assert.ok(await c.waitClosed(2000));
  });

  test('UDP caller, TCP callee: the request goes over TCP, the answer comes back over UDP', async (t) => {
    const ua = await UdpPeer.open();
    t.after(() => ua.close());
    ua.send(request({ uri: 'sip:totcp@example.com', port: ua.port, callId: 'x-tcp' }), srv.port);
    const r = await ua.expect(3000);
    assert.equal(r.status, 200);
    assert.equal(r.callId, 'x-tcp@test');
    assert.equal(r.vias.length, 1);
    const sent = Buffer.concat(calleeGot).toString('latin1');
    assert.match(sent, new RegExp(`Via: SIP/2.0/TCP 127.0.0.1:${srv.port};branch=z9hG4bK`));
  });

  test('TCP caller, UDP callee: the answer returns on the caller connection', async (t) => {
    const c = await TcpPeer.connect(srv.port);
    t.after(() => c.close());
    c.write(request({ uri: 'sip:toudp@example.com', transport: 'TCP', callId: 'x-udp' }));
    const fwd = await udpCallee.expect();
    assert.equal(fwd.via1.transport, 'UDP');
    assert.equal(fwd.vias[1]!.transport, 'TCP');
    const copy = fwd.headers
      .filter((h) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(h.name))
      .map((h) => fwd.head.slice(h.start, h.end))
      .join('');
    udpCallee.send(`SIP/2.0 486 Busy Here\r\n${copy}Content-Length: 0\r\n\r\n`, srv.port);
    assert.ok(await c.waitFor((b) => b.includes('\r\n\r\n')));
    const r = parseMessage(c.take(), 'stream');
    assert.equal(r.status, 486);
    assert.equal(r.callId, 'x-udp@test');
  });
});
