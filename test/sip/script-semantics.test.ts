import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The script's run-time rules (SER 0.8 action.c): return values, break, route(n), expressions
// of Table 2-1, flags, the destination set. Observed through log() lines and replies.

describe('script semantics', () => {
  let srv: TestServer;
  let ua: UdpPeer;

  before(async () => {
    ua = await UdpPeer.open();
    srv = await startServer(`
      debug=3
      alias="example.org"
      alias=other.example:5070
      loadmodule "sl.so"
      route {
        log(1, "start\\n");
        if (method=="INFO") { route(1); log(1, "after route 1\\n"); break; };
        if (method=="message") { route(2); log(1, "after route 2\\n"); break; };
        if (method=="NOTIFY") { if (route(3)) log(1, "route 3 was true\\n"); break; };
        if (method=="PUBLISH") { route(4); break; };
        if (method=="SUBSCRIBE") {
          if (uri==myself) log(1, "myself\\n") else log(1, "not myself\\n");
          break;
        };
        if (method=="UPDATE") {
          setflag(3); setflag(31);
          if (isflagset(3) && isflagset(31) && !isflagset(4)) log(1, "flags ok\\n");
          resetflag(31);
          if (!isflagset(31)) log(1, "flag reset\\n");
          break;
        };
        if (method=="PRACK") {
          if (src_ip==127.0.0.0/8 && src_ip==127.0.0.0/255.0.0.0 && src_ip==myself && dst_ip==127.0.0.1 && !(src_ip==10.0.0.0/8)) log(1, "ips ok\\n");
          if (src_port==${ua.port}) log(1, "port ok\\n");
          if (uri=~"^SIP:PRACK@EXAMPLE\\.COM$" && method=~"^pr") log(1, "regex ignores case\\n");
          if (uri=="SIP:prack@example.COM") log(1, "== ignores case\\n");
          if (1 && !0 || 0) log(1, "numbers ok\\n");
          break;
        };
        if (method=="REFER") {
          append_branch("sip:b@example.net"); append_branch();
          sl_send_reply("302", "Moved");
          break;
        };
        if (method=="BYE") { if (len_gt(100)) log(1, "long\\n"); if (!len_gt(100000)) log(1, "not that long\\n"); break; };
        log(1, "end\\n");
      }
      route[1] { log(1, "in route 1\\n"); break; log(1, "never\\n"); }
      route[2] { log(1, "in route 2\\n"); if (1) { break; }; log(1, "never\\n"); }
      route[3] { log(1, "in route 3\\n"); }
      route[4] { route(4); }
    `);
  });
  after(async () => {
    ua.close();
    await srv.stop();
  });

  async function run(method: string, uri = 'sip:x@example.com'): Promise<string[]> {
    srv.log.lines.length = 0;
    const tag = Math.random().toString(36).slice(2);
    ua.send(request({ method, uri, port: ua.port, callId: tag }), srv.port);
    await new Promise((r) => setTimeout(r, 150));
    return srv.log.lines.map((l) => l.replace(/^\d+\(\d+\) /, '').trim());
  }

  test('break ends only the route block it is in; route(n) then continues', async () => {
    assert.deepEqual(await run('INFO'), ['start', 'in route 1', 'after route 1']);
    assert.deepEqual(await run('MESSAGE'), ['start', 'in route 2', 'after route 2']);
  });

  test('route(n) is true when the block did not fail', async () => {
    assert.deepEqual(await run('NOTIFY'), ['start', 'in route 3', 'route 3 was true']);
  });

  test('endless route recursion is cut off, not a crash', async () => {
    const lines = await run('PUBLISH');
    assert.ok(lines.some((l) => /too many recursive routing table lookups/.test(l)), lines.join('\n'));
    assert.deepEqual(await run('OPTIONS'), ['start', 'end']);
  });

  test('uri==myself knows addresses, aliases and their ports', async () => {
    assert.deepEqual(await run('SUBSCRIBE', `sip:a@127.0.0.1:${srv.port}`), ['start', 'myself']);
    assert.deepEqual(await run('SUBSCRIBE', 'sip:a@EXAMPLE.org'), ['start', 'myself']);
    assert.deepEqual(await run('SUBSCRIBE', 'sip:a@example.org:1234'), ['start', 'myself']);
    assert.deepEqual(await run('SUBSCRIBE', 'sip:a@other.example:5070'), ['start', 'myself']);
    assert.deepEqual(await run('SUBSCRIBE', 'sip:a@other.example'), ['start', 'not myself']);
    assert.deepEqual(await run('SUBSCRIBE', 'sip:a@127.0.0.1:1'), ['start', 'not myself']);
  });

  test('flags 0..31', async () => {
    assert.deepEqual(await run('UPDATE'), ['start', 'flags ok', 'flag reset']);
  });

  test('Table 2-1 operands and operators', async () => {
    assert.deepEqual(await run('PRACK', 'sip:prack@example.com'), ['start', 'ips ok', 'port ok', 'regex ignores case', '== ignores case', 'numbers ok']);
  });

  test('append_branch() with and without a URI feeds a 3xx Contact list', async () => {
    srv.log.lines.length = 0;
    ua.send(request({ method: 'REFER', uri: 'sip:a@example.com', port: ua.port }), srv.port);
    const r = await ua.expect();
    assert.equal(r.status, 302);
    assert.equal(r.value(r.header('contact')!), '<sip:a@example.com>, <sip:b@example.net>, <sip:a@example.com>');
  });

  test('len_gt', async () => {
    assert.deepEqual(await run('BYE'), ['start', 'long', 'not that long']);
  });
});
