import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parseMessage } from '../../src/sip/parser/message.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { startServer } from '../helpers/server.js';

// tm's management commands through the server's registry: t_uac_dlg sends a request (admin
// guide Example 4-10) to a UDP peer over loopback and answers with the final response's status
// line; t_stats and t_hash count it.

const CFG = `loadmodule "/usr/local/lib/ser/modules/tm.so"
modparam("tm", "fr_timer", 1)
route { break; }
`;

/** A server running CFG and a UDP peer, both gone when the test ends. */
async function setup(t: TestContext) {
  const srv = await startServer(CFG);
  const uas = await UdpPeer.open();
  t.after(async () => {
    uas.close();
    await srv.stop();
  });
  return { srv, uas, rpc: srv.server.rpc };
}

/** Answer the next request the peer gets with `status reason`; resolves to the request's text. */
async function answerNext(peer: UdpPeer, status: number, reason: string): Promise<string> {
  const buf = await peer.next(3000);
  if (!buf) throw new Error('no request arrived');
  const text = buf.toString('latin1');
  const msg = parseMessage(buf);
  const head = text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n');
  const copy = head.filter((l) => /^(via|v|from|f|call-id|i|cseq)\s*:/i.test(l));
  const to = head.find((l) => /^(to|t)\s*:/i.test(l))!;
  const via = msg.vias[0]!;
  const reply = [`SIP/2.0 ${status} ${reason}`, ...copy, `${to};tag=uas-tag`, 'Content-Length: 0', '', ''].join('\r\n');
  peer.send(reply, via.port ?? 5060, via.host);
  return text;
}

test('t_uac_dlg: a NOTIFY with the header fields and body of Example 4-10; the FIFO reply is the 200', async (t) => {
  const { uas, rpc } = await setup(t);
  const cmd = rpc.get('t_uac_dlg')!;
  assert.equal(rpc.byJsonMethod('tm.uac_dlg'), cmd);
  const pending = rpc.call(cmd, {
    method: 'NOTIFY',
    ruri: `sip:receiver@127.0.0.1:${uas.port}`,
    outbound: '.',
    headers: [
      'From: sip:originator@foo.bar',
      `To: sip:receiver@127.0.0.1:${uas.port}`,
      'foo: bar_special_header',
      'x: y',
      'p_header: p_value',
      'Contact: <sip:devnull@192.168.0.100:9>',
      '',
      'Content-Type: text/plain; charset=UTF-8',
    ],
    body: ['Hello world!!!! $@'],
  });
  const req = await answerNext(uas, 200, 'OK');
  const r = await pending;
  assert.equal(r.code, 200);
  assert.equal(r.reason, 'OK');
  assert.match(r.text, /^To: sip:receiver@127\.0\.0\.1:\d+;tag=uas-tag$/m);
  assert.equal((r.value as { status: number }).status, 200);

  const msg = parseMessage(Buffer.from(req, 'latin1'));
  assert.equal(msg.method, 'NOTIFY');
  assert.match(req, new RegExp(`^NOTIFY sip:receiver@127\\.0\\.0\\.1:${uas.port} SIP/2\\.0\r\n`));
  assert.match(req, /\r\nFrom: sip:originator@foo\.bar;tag=[0-9a-f]{16}\r\n/, 'a From-tag generated');
  assert.match(req, /\r\nTo: sip:receiver@127\.0\.0\.1:\d+\r\n/);
  assert.match(req, /\r\nCall-ID: [0-9a-f]+@127\.0\.0\.1\r\n/, 'a Call-ID generated');
  assert.match(req, /\r\nCSeq: 1 NOTIFY\r\n/, 'a CSeq generated');
  assert.match(req, /\r\nfoo: bar_special_header\r\nx: y\r\np_header: p_value\r\nContact: <sip:devnull@192\.168\.0\.100:9>\r\nContent-Type: text\/plain; charset=UTF-8\r\n/);
  assert.match(req, /\r\nMax-Forwards: 70\r\n/);
  assert.equal(msg.body.toString('utf8'), 'Hello world!!!! $@\r\n');
  assert.match(req, /\r\nContent-Length: 20\r\n/);

  const stats = await rpc.call(rpc.get('t_stats')!, {});
  assert.match(stats.text, /^Current: \d+ \(\d+ waiting\) Total: 1 \(1 local\)\nReplied localy: 0\nCompletion status 6xx: 0, 5xx: 0, 4xx: 0, 3xx: 0,2xx: 1\n$/);
  assert.equal((stats.value as Record<string, number>)['2xx'], 1);
  const hash = await rpc.call(rpc.get('t_hash')!, {});
  assert.match(hash.text, /^\tcurrent\ttotal\n0\.\t\d+\t1\n$/);
});

test('t_uac_dlg: given Call-ID, CSeq and From-tag are kept; a 404 is the FIFO status line', async (t) => {
  const { uas, rpc } = await setup(t);
  const pending = rpc.call(rpc.get('t_uac_dlg')!, {
    method: 'MESSAGE',
    ruri: 'sip:nobody@unresolvable.invalid',
    outbound: `sip:127.0.0.1:${uas.port}`,
    headers: ['From: <sip:a@foo.bar>;tag=abc', 'To: <sip:nobody@unresolvable.invalid>', 'Call-ID: fixed-id@foo.bar', 'CSeq: 7 MESSAGE'],
  });
  const req = await answerNext(uas, 404, 'Not Found');
  const r = await pending;
  assert.deepEqual([r.code, r.reason], [404, 'Not Found']);
  assert.match(req, /^MESSAGE sip:nobody@unresolvable\.invalid SIP\/2\.0\r\n/, 'sent to the outbound URI, the Request-URI unchanged');
  assert.match(req, /\r\nFrom: <sip:a@foo\.bar>;tag=abc\r\n/);
  assert.match(req, /\r\nCall-ID: fixed-id@foo\.bar\r\n/);
  assert.match(req, /\r\nCSeq: 7 MESSAGE\r\n/);
  assert.equal(req.match(/\r\nCall-ID:/g)!.length, 1);
  assert.equal(req.match(/\r\nCSeq:/g)!.length, 1);
  assert.match(req, /\r\nContent-Length: 0\r\n/);
});

test('t_uac_dlg: nobody answers: 408 by the transaction\'s own timer', async (t) => {
  const { uas: silent, rpc } = await setup(t);
  const started = Date.now();
  const r = await rpc.call(rpc.get('t_uac_dlg')!, {
    method: 'OPTIONS',
    ruri: `sip:x@127.0.0.1:${silent.port}`,
    outbound: '.',
    headers: ['From: sip:a@foo.bar', `To: sip:x@127.0.0.1:${silent.port}`],
  });
  assert.equal(r.code, 408);
  assert.ok(Date.now() - started < 5000, 'bounded by fr_timer');
  assert.ok(silent.received.length >= 1, 'the request was sent (and retransmitted)');
  const stats = await rpc.call(rpc.get('t_stats')!, {});
  assert.match(stats.text, /4xx: 1,/);
});

test('t_uac_dlg: bad parameters are 400 and nothing is sent', async (t) => {
  const { uas, rpc } = await setup(t);
  const cmd = rpc.get('t_uac_dlg')!;
  const ruri = `sip:x@127.0.0.1:${uas.port}`;
  const base = { method: 'MESSAGE', ruri, outbound: '.', headers: ['From: sip:a@foo.bar', `To: ${ruri}`] };
  const cases: [Record<string, string | string[]>, RegExp][] = [
    [{ ...base, headers: [`To: ${ruri}`] }, /From and To header fields are required/],
    [{ ...base, headers: ['From: sip:a@foo.bar'] }, /From and To header fields are required/],
    [{ ...base, body: ['hi'] }, /Content-Type is required when a body is given/],
    [{ ...base, method: 'BAD METHOD' }, /bad method/],
    [{ ...base, ruri: 'not a uri' }, /bad request URI/],
    [{ ...base, outbound: 'sip:' }, /bad outbound URI/],
    [{ ...base, headers: [...base.headers, 'no colon here'] }, /bad header field/],
    [{ ...base, headers: [...base.headers, 'CSeq: 1 INVITE'] }, /CSeq method/],
    [{ method: 'MESSAGE', ruri, outbound: '.' }, /parameter 'headers' missing/],
  ];
  for (const [args, re] of cases) {
    const r = await rpc.call(cmd, args);
    assert.equal(r.code, 400, JSON.stringify(args));
    assert.match(r.reason, re);
  }
  assert.ok(await uas.silence(200));
});
