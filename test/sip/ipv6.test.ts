import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { request, TcpPeer, UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';
import { parseMessage } from '../../src/sip/parser/message.js';

// IPv6 (RFC 3261 §19.1.1 IPv6 references, RFC 5118): listen on [::1], answer, forward with a
// bracketed Via, and recognise [::1] as myself.

test('IPv6: requests over UDP and TCP on [::1] are answered and forwarded with bracketed Vias', async (t) => {
  const port = await freePort('::1');
  const callee = await UdpPeer.open('::1');
  const srv = await startServer(
    `listen=[::1]:${port}
     loadmodule "sl.so"
     route {
       if (uri==myself) { sl_send_reply("200", "OK"); break; };
       forward([::1], ${callee.port});
     }`,
    { port },
  );
  const ua = await UdpPeer.open('::1');
  t.after(async () => {
    ua.close();
    callee.close();
    await srv.stop();
  });

  ua.send(request({ uri: `sip:me@[::1]:${port}`, via: `SIP/2.0/UDP [::1]:${ua.port};branch=z9hG4bK6a` }), port, '::1');
  const r = await ua.expect();
  assert.equal(r.status, 200);

  ua.send(request({ uri: 'sip:bob@example.com', via: `SIP/2.0/UDP [::1]:${ua.port};branch=z9hG4bK6b` }), port, '::1');
  const fwd = await callee.expect();
  assert.equal(fwd.via1.host, '[::1]');
  assert.equal(fwd.via1.port, port);
  assert.match(fwd.head, new RegExp(`Via: SIP/2.0/UDP \\[::1\\]:${port};branch=z9hG4bK`));

  const c = await TcpPeer.connect(port, '::1');
  t.after(() => c.close());
  c.write(request({ uri: `sip:me@[0:0::1]:${port}`, transport: 'TCP', via: `SIP/2.0/TCP [::1]:5999;branch=z9hG4bK6c` }));
  assert.ok(await c.waitFor((b) => b.includes('\r\n\r\n')));
  assert.equal(parseMessage(c.take(), 'stream').status, 200);
});
