import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EXPECTATIONS } from '../rfc4475/expectations.js';
import { fixture } from '../rfc4475/fixtures.js';
import { parseMessage } from '../../src/sip/parser/message.js';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Every RFC 4475 torture message, as a UDP datagram, to a running server with a proxy's script
// (Max-Forwards check, then a local answer): the answer the RFC owes, or silence for dropped
// responses; and the server keeps answering after each one.

describe('RFC 4475 messages sent to the server', () => {
  let srv: TestServer;
  let peer: UdpPeer;

  before(async () => {
    srv = await startServer(`
      loadmodule "sl.so"
      loadmodule "maxfwd.so"
      route {
        if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); break; };
        sl_send_reply("200", "OK");
      }`);
    peer = await UdpPeer.open();
  });
  after(async () => {
    peer.close();
    await srv.stop();
  });

  for (const e of EXPECTATIONS) {
    test(`${e.name} (§${e.section}): ${e.verdict}${e.status ? ' ' + e.status : ''}`, async () => {
      peer.send(fixture(e.name), srv.port);
      if (e.verdict === 'drop' || (e.verdict === 'accept' && fixture(e.name).toString('latin1', 0, 4) === 'SIP/')) {
        // responses: dropped as invalid, or (valid ones) because their top Via is not ours
        assert.equal(await peer.silence(250), true, 'no datagram comes back');
      } else {
        const r = await peer.expect(1500);
        const want = e.verdict === 'reject' ? e.status : e.name === 'zeromf' ? 483 : 200;
        assert.equal(r.status, want, `got ${r.status} ${r.reason}`);
        if (e.name === 'bext01') assert.match(r.value(r.header('unsupported')!), /noProxiesSupportThis/);
      }
      // and the server is still there
      peer.send(request({ port: peer.port }), srv.port);
      assert.equal((await peer.expect(1500)).status, 200);
    });
  }

  test('no fixture made the pipeline throw', () => {
    assert.equal(srv.server.stats.scriptErrors, 0);
    void parseMessage;
  });
});
