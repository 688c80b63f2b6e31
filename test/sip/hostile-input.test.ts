import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { request, TcpPeer, UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';
import { mutate } from '../helpers/mutate.js';
import { prng } from '../helpers/prng.js';

// No input crashes or stalls the server: mutated torture messages and random bytes over UDP
// and TCP, then a normal request must still be answered at once. Deterministic and bounded.


const dir = path.resolve('test/fixtures/rfc4475');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.sip'))
  .map((f) => readFileSync(path.join(dir, f)));

test('mutated and random datagrams never stop the server from answering', async (t) => {
  const srv = await startServer(`
    loadmodule "sl.so"
    loadmodule "maxfwd.so"
    route {
      if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); break; };
      if (uri=~"^sip:fwd@") { forward(127.0.0.1, 9); break; };
      sl_send_reply("200", "OK");
    }`);
  const attacker = await UdpPeer.open();
  const ua = await UdpPeer.open();
  t.after(async () => {
    attacker.close();
    ua.close();
    await srv.stop();
  });
  const rnd = prng(4475);
  let sent = 0;
  for (let round = 0; round < 40; round++) {
    for (const f of fixtures) {
      attacker.send(mutate(f, rnd), srv.port);
      sent++;
    }
    const junk = Buffer.alloc(Math.floor(rnd() * 1500));
    for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(rnd() * 256);
    attacker.send(junk, srv.port);
    // let the server drain between bursts: this is about correctness, not load (a full
    // socket buffer would drop datagrams in the kernel, ours included)
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(sent > 1000);
  const req = request({ port: ua.port });
  let r;
  // retransmit like a UA (RFC 3261 §17.1.2.2), in case the kernel dropped one
  for (let i = 0; i < 5 && !r; i++) {
    ua.send(req, srv.port);
    r = await ua.next(500);
  }
  assert.ok(r, 'the server answers after the attack');
  assert.match(r.toString('latin1'), /^SIP\/2\.0 200 OK\r\n/);
  assert.equal(srv.server.stats.scriptErrors, 0, 'no exception escaped the pipeline');
});

test('garbage over TCP closes that connection and nothing else', async (t) => {
  const srv = await startServer(`loadmodule "sl.so" route { sl_send_reply("200", "OK"); }`);
  t.after(() => srv.stop());
  const rnd = prng(7);
  for (let i = 0; i < 30; i++) {
    const c = await TcpPeer.connect(srv.port);
    const f = mutate(fixtures[i % fixtures.length]!, rnd);
    c.write(f);
    c.write('\r\n\r\n');
    await c.waitFor(() => false, 20);
    c.close();
  }
  const good = await TcpPeer.connect(srv.port);
  t.after(() => good.close());
  good.write(request({ transport: 'TCP' }));
  assert.ok(await good.waitFor((b) => b.includes('SIP/2.0 200 OK')));
});
