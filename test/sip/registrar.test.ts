import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Usrloc } from '../../src/modules/usrloc/usrloc.js';
import type { SipMessage } from '../../src/sip/parser/message.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// The registrar over loopback: hostile REGISTERs get their 4xx and change nothing, the aliases
// of the admin guide's Example 3-7, and a call forked to every contact of one AOR.

let seq = 0;
function register(peer: UdpPeer, srvPort: number, user: string, contacts: string[], extra = ''): string {
  const n = ++seq;
  return (
    `REGISTER sip:127.0.0.1:${srvPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKreg${n}\r\n` +
    `From: <sip:${user}@127.0.0.1:${srvPort}>;tag=f${n}\r\nTo: <sip:${user}@127.0.0.1:${srvPort}>\r\nCall-ID: reg-${user}-${n}\r\n` +
    `CSeq: ${n} REGISTER\r\n` +
    contacts.map((c) => `Contact: ${c}\r\n`).join('') +
    extra +
    `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

function invite(peer: UdpPeer, ruri: string): string {
  const n = ++seq;
  return (
    `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKinv${n}\r\n` +
    `From: <sip:caller@x>;tag=i${n}\r\nTo: <${ruri}>\r\nCall-ID: inv-${n}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

/** Next message that is not a provisional response. */
async function final(peer: UdpPeer): Promise<SipMessage> {
  for (;;) {
    const m = await peer.expect();
    if (m.isRequest || m.status >= 200) return m;
  }
}

/** Example 2-17 as written, with its usrloc in memory. */
const DEFAULT = `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "rr.so"\nloadmodule "maxfwd.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
route{
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483","Too Many Hops"); break; };
  record_route();
  if (loose_route()) { t_relay(); break; };
  if (uri==myself) {
    if (method=="REGISTER") { save("location"); break; };
    if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
  };
  if (!t_relay()) { sl_reply_error(); };
}
`;

async function setup(t: import('node:test').TestContext, cfg = DEFAULT): Promise<{ srv: TestServer; ul: Usrloc; peer: UdpPeer }> {
  const srv = await startServer(cfg);
  const peer = await UdpPeer.open();
  t.after(async () => {
    peer.close();
    await srv.stop();
  });
  return { srv, ul: srv.server.states.get('usrloc') as Usrloc, peer };
}

test('hostile REGISTERs get the status they owe and change nothing', async (t) => {
  const { srv, ul, peer } = await setup(t);
  peer.send(register(peer, srv.port, 'alice', [`<sip:alice@127.0.0.1:${peer.port}>`]), srv.port);
  assert.equal((await final(peer)).status, 200);
  const before = JSON.stringify(ul.dump());
  const cases: [string, string[], string, number][] = [
    ['a malformed Contact', ['<sip:alice@127.0.0.1:5060'], '', 400],
    ['* with another contact', ['*', '<sip:alice@127.0.0.1:6000>'], 'Expires: 0\r\n', 400],
    ['* without Expires: 0', ['*'], 'Expires: 60\r\n', 400],
    ['q above 1', ['<sip:alice@127.0.0.1:6001>;q=5'], '', 400],
    ['a negative q', ['<sip:alice@127.0.0.1:6002>;q=-0.5'], '', 400],
    ['a q that is not a number', ['<sip:alice@127.0.0.1:6003>;q=lots'], '', 400],
    // one Contact header with 1000 values: more than a list header may hold (400)
    ['1000 contacts in one header', [Array.from({ length: 1000 }, (_, i) => `<sip:alice@127.0.0.1:${7000 + i}>`).join(', ')], '', 400],
    // 1000 Contact header fields: more header fields than a message may have (513, RFC 3261 §21.5.14)
    ['1000 Contact header fields', Array.from({ length: 1000 }, (_, i) => `<sip:alice@127.0.0.1:${7000 + i}>`), '', 513],
  ];
  for (const [what, contacts, extra, status] of cases) {
    peer.send(register(peer, srv.port, 'alice', contacts, extra), srv.port);
    const r = await final(peer);
    assert.equal(r.status, status, what);
    assert.equal(JSON.stringify(ul.dump()), before, `${what}: the location table is unchanged`);
  }
});

test('an absurd Expires is bounded, not stored as given', async (t) => {
  const { srv, ul, peer } = await setup(t);
  peer.send(register(peer, srv.port, 'bob', [`<sip:bob@127.0.0.1:${peer.port}>;expires=99999999999999`]), srv.port);
  const r = await final(peer);
  assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `status ${r.status}`);
  if (r.status === 200) {
    const m = /expires=(\d+)/.exec(r.buf.toString('latin1'));
    assert.ok(m && Number(m[1]) <= 2 ** 32 - 1, `expires in the reply: ${m?.[1]}`);
  } else {
    assert.equal(ul.getRecord('location', 'bob'), undefined);
  }
});

test('SQL metacharacters in the user part are just characters: registered and found again', async (t) => {
  const { srv, peer } = await setup(t);
  const user = "o'neil%3B--";
  peer.send(register(peer, srv.port, user, [`<sip:x@127.0.0.1:${peer.port}>`]), srv.port);
  assert.equal((await final(peer)).status, 200);
  const caller = await UdpPeer.open();
  t.after(() => caller.close());
  caller.send(invite(caller, `sip:${user}@127.0.0.1:${srv.port}`), srv.port);
  const got = await final(peer);
  assert.equal(got.method, 'INVITE');
  assert.equal(got.ruri, `sip:x@127.0.0.1:${peer.port}`);
});

test('Example 3-7: an alias added through the usrloc API translates the Request-URI (lookup("aliases"))', async (t) => {
  const callee = await UdpPeer.open();
  t.after(() => callee.close());
  const cfg = `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
route{
  if (!uri==myself) { route(1); break; };
  if (method=="REGISTER") { save("location"); break; };
  lookup("aliases");
  if (!uri==myself) { route(1); break; };
  if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
  route(1);
}
route[1] { if (!t_relay()) { sl_reply_error(); }; }
`;
  const { srv, ul, peer } = await setup(t, cfg);
  assert.ok(ul.addPermanent('aliases', '1234', `sip:john.doe@127.0.0.1:${callee.port}`), 'serctl alias add 1234 sip:john.doe@...');
  peer.send(invite(peer, `sip:1234@127.0.0.1:${srv.port}`), srv.port);
  const got = await callee.expect();
  assert.equal(got.method, 'INVITE');
  assert.equal(got.ruri, `sip:john.doe@127.0.0.1:${callee.port}`);
  peer.send(invite(peer, `sip:4321@127.0.0.1:${srv.port}`), srv.port);
  assert.equal((await final(peer)).status, 404, 'no alias, nobody registered');
});

test('Example 2-17: a call to an AOR with two registered contacts is forked to both', async (t) => {
  const { srv, peer } = await setup(t);
  const phone2 = await UdpPeer.open();
  const caller = await UdpPeer.open();
  t.after(() => {
    phone2.close();
    caller.close();
  });
  peer.send(register(peer, srv.port, 'carol', [`<sip:carol@127.0.0.1:${peer.port}>;q=0.9`]), srv.port);
  assert.equal((await final(peer)).status, 200);
  phone2.send(register(phone2, srv.port, 'carol', [`<sip:carol@127.0.0.1:${phone2.port}>;q=0.5`]), srv.port);
  const ok = await final(phone2);
  assert.equal(ok.status, 200);
  assert.equal(ok.contacts.length, 2, 'the 200 lists both bindings');
  caller.send(invite(caller, `sip:carol@127.0.0.1:${srv.port}`), srv.port);
  const [a, b] = await Promise.all([final(peer), final(phone2)]);
  assert.equal(a.ruri, `sip:carol@127.0.0.1:${peer.port}`);
  assert.equal(b.ruri, `sip:carol@127.0.0.1:${phone2.port}`);
  assert.notEqual(a.via1.branch, b.via1.branch);
});
