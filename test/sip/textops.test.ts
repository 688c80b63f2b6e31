import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { startServer, type TestServer } from '../helpers/server.js';

// textops over real UDP on loopback: what a forwarded request carries after append_hf,
// append_urihf, remove_hf and a body replace(), and the lines append_to_reply() adds to the
// replies the server makes itself (sl_send_reply, tm's t_reply).

function config(calleePort: number): string {
  return `
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "textops.so"
route {
  if (method=="OPTIONS") {
    append_to_reply("X-Reply: first\\r\\n");
    append_to_reply("Retry-After: 60\\r\\nX-Reply-Two: second");
    sl_send_reply("503", "Closed For Lunch");
    break;
  };
  if (method=="SUBSCRIBE") {
    append_to_reply("X-Stateful: yes\\r\\n");
    t_newtran();
    t_reply("403", "Forbidden");
    break;
  };
  if (is_present_hf("s")) { append_hf("X-Had-Subject: yes\\r\\n"); };
  if (is_present_hf("X-Absent")) { append_hf("X-Wrong: 1\\r\\n"); };
  if (!remove_hf("X-Secret")) { append_hf("X-Wrong: 2\\r\\n"); };
  rewriteuser("carol");
  append_urihf("X-Orig-Uri: <", ">\\r\\n");
  if (search("^hello")) { replace("world", "wide world"); };
  forward(127.0.0.1, ${calleePort});
}
`;
}

/** A caller, a callee and the server between them, all stopped after the test. */
async function setup(t: TestContext): Promise<{ ua: UdpPeer; callee: UdpPeer; srv: TestServer }> {
  const ua = await UdpPeer.open();
  const callee = await UdpPeer.open();
  const srv = await startServer(config(callee.port));
  t.after(async () => {
    ua.close();
    callee.close();
    await srv.stop();
  });
  return { ua, callee, srv };
}

test('a forwarded request carries the appended headers, not the removed ones, and its edited body', async (t) => {
  const { ua, callee, srv } = await setup(t);
  const req = request({
    method: 'MESSAGE',
    uri: 'sip:bob@127.0.0.1',
    port: ua.port,
    extra: ['Subject: lunch', 'X-Secret : s3cret', 'x-secret: again', 'X-Keep: me'],
    body: 'hello world',
  });
  ua.send(req, srv.port);
  const fwd = await callee.expect();
  assert.equal(fwd.method, 'MESSAGE');
  assert.equal(fwd.ruri, 'sip:carol@127.0.0.1');
  assert.equal(fwd.header('x-secret'), undefined, 'both X-Secret fields removed, the spaced one too');
  assert.equal(fwd.value(fwd.header('x-keep')!), 'me');
  assert.equal(fwd.value(fwd.header('x-had-subject')!), 'yes', 'is_present_hf("s") found Subject');
  assert.equal(fwd.header('x-wrong'), undefined);
  assert.equal(fwd.value(fwd.header('x-orig-uri')!), '<sip:carol@127.0.0.1>', 'the current Request-URI');
  // the additions come after the last received header field, our Via is on top
  const names = fwd.headers.map((h) => h.name);
  assert.equal(names[0], 'via');
  assert.deepEqual(names.slice(-2), ['x-had-subject', 'x-orig-uri']);
  assert.equal(fwd.body.toString(), 'hello wide world');
  assert.equal(fwd.contentLength, 'hello wide world'.length, 'Content-Length follows the body');
});

test('a reply made by sl_send_reply carries the append_to_reply lines; a forwarded request does not', async (t) => {
  const { ua, callee, srv } = await setup(t);
  ua.send(request({ method: 'OPTIONS', port: ua.port }), srv.port);
  const r = await ua.expect();
  assert.equal(r.status, 503);
  assert.equal(r.value(r.header('x-reply')!), 'first');
  assert.equal(r.value(r.header('retry-after')!), '60');
  assert.equal(r.value(r.header('x-reply-two')!), 'second');
  assert.equal(r.contentLength, 0);
  assert.match(r.buf.toString('latin1'), /\r\nX-Reply: first\r\nRetry-After: 60\r\nX-Reply-Two: second\r\n/);

  ua.send(request({ method: 'SUBSCRIBE', port: ua.port, extra: ['Event: presence'] }), srv.port);
  const s = await ua.expect();
  assert.equal(s.status, 403);
  assert.equal(s.value(s.header('x-stateful')!), 'yes', "tm's t_reply builds through the same core");

  ua.send(request({ method: 'MESSAGE', port: ua.port, body: 'x' }), srv.port);
  const fwd = await callee.expect();
  assert.equal(fwd.header('x-reply'), undefined);
});
