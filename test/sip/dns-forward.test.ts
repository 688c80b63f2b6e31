import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeDns } from '../dns/fake-dns-server.js';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';

// Forwarding to host names resolves them asynchronously (RFC 3263 §4.2 basics): a name without a
// port through SRV _sip._udp, a name with a port through A; answers are cached. A real DNS
// server on loopback answers.

test('forward() to names: SRV without a port, A with one, cached; unresolvable gets 478 via sl_reply_error', async (t) => {
  const a = await UdpPeer.open();
  const b = await UdpPeer.open();
  const dns = await startFakeDns({
    '_sip._udp.proxy.example': { SRV: [{ priority: 10, weight: 1, port: a.port, target: 'a.example' }] },
    'a.example': { A: ['127.0.0.1'] },
    'b.example': { A: ['127.0.0.1'] },
  });
  const srv = await startServer(
    `loadmodule "sl.so"
     route {
       if (uri=~"^sip:srv@") { forward(proxy.example); break; };
       if (uri=~"^sip:a@") { forward("b.example", ${b.port}); break; };
       if (uri=~"^sip:uri@") { forward(uri:host, uri:port); break; };
       if (!forward(nowhere.example, 5060)) { sl_reply_error(); };
     }`,
    { resolver: { servers: [dns.server], timeoutMs: 500, tries: 1 } },
  );
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    a.close();
    b.close();
    await srv.stop();
    await dns.close();
  });

  ua.send(request({ uri: 'sip:srv@example.com', port: ua.port }), srv.port);
  assert.equal((await a.expect()).ruri, 'sip:srv@example.com');
  ua.send(request({ uri: 'sip:a@example.com', port: ua.port }), srv.port);
  assert.equal((await b.expect()).ruri, 'sip:a@example.com');
  ua.send(request({ uri: 'sip:uri@proxy.example', port: ua.port }), srv.port);
  assert.equal((await a.expect()).ruri, 'sip:uri@proxy.example');

  // a second request for the same names sends no new query
  const before = dns.queries.length;
  ua.send(request({ uri: 'sip:srv@example.com', port: ua.port }), srv.port);
  await a.expect();
  assert.equal(dns.queries.length, before);

  ua.send(request({ uri: 'sip:x@example.com', port: ua.port }), srv.port);
  const r = await ua.expect(3000);
  assert.equal(r.status, 478);
  assert.match(r.reason, /^Unresolveable destination/);
});
