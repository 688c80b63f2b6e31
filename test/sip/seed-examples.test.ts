import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { request, UdpPeer } from '../helpers/sip-peer.js';
import { runSipp, startSipp } from '../helpers/sipp.js';
import { startServer } from '../helpers/server.js';

// The admin guide's example scripts, run on a real server over loopback.

test('Example 2-19 (redirect.cfg): INVITE gets 300 with both destinations as Contact', async (t) => {
  const srv = await startServer(`
#
# $Id: redirect.cfg,v 1.5 2002/12/09 02:32:57 jiri Exp $
#
# this example shows use of ser as stateless redirect server
#
# ------------------ module loading ----------------------------------

loadmodule "modules/sl/sl.so"

# ------------------------- request routing logic -------------------

# main routing logic

route{
	# for testing purposes, simply okay all REGISTERs
	if (method=="REGISTER") {
		log("REGISTER");
		sl_send_reply("200", "ok");
		break;
	};
	# rewrite current URI, which is always part of destination ser
	rewriteuri("sip:parallel@iptel.org:9");
	# append one more URI to the destination ser
	append_branch("sip:redirect@iptel.org:9");
	# redirect now
	sl_send_reply("300", "Redirect");
}
`);
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    await srv.stop();
  });
  ua.send(request({ method: 'INVITE', uri: 'sip:anyone@iptel.org', port: ua.port }), srv.port);
  const r = await ua.expect();
  assert.equal(r.status, 300);
  assert.equal(r.reason, 'Redirect');
  assert.equal(r.value(r.header('contact')!), '<sip:parallel@iptel.org:9>, <sip:redirect@iptel.org:9>');
  assert.deepEqual(
    (r.contacts as readonly { uri: string }[]).map((c) => c.uri),
    ['sip:parallel@iptel.org:9', 'sip:redirect@iptel.org:9'],
  );
  assert.ok(r.to.tag, 'the reply has a To tag');

  ua.send(request({ method: 'REGISTER', uri: 'sip:iptel.org', port: ua.port }), srv.port);
  const ok = await ua.expect();
  assert.equal(ok.status, 200);
  assert.equal(ok.reason, 'ok');
  assert.equal(ok.header('contact'), undefined);
});

test('Example 2-1 (static forwarding): a SIPp call to sip:0...@iptel.org reaches a SIPp UAS and completes', async (t) => {
  const uasPort = await freePort();
  const srv = await startServer(`
loadmodule "sl.so"
route {
# if requests URI is numerical and starts with
# zero, forward statelessly to a static destination

if (uri=~"^sip:0[0-9]*@iptel.org") {
forward( 127.0.0.1, ${uasPort} );

}
}`);
  const uas = startSipp(['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-m', '3']);
  t.after(async () => {
    uas.kill('SIGKILL');
    await srv.stop();
  });
  await new Promise((r) => setTimeout(r, 500));
  const uacPort = await freePort();
  const res = await runSipp(
    [`127.0.0.1:${srv.port}`, '-sf', path.resolve('test/fixtures/sipp/uac-static.xml'), '-s', '123', '-i', '127.0.0.1', '-p', String(uacPort), '-m', '3', '-r', '10', '-recv_timeout', '5000'],
    30_000,
  );
  assert.equal(res.failed, 0, res.stdout + res.stderr);
  assert.equal(res.successful, 3, res.stdout + res.stderr);
  assert.equal(res.code, 0);
});

test('Example 2-10 (URI-rewriting exercise): the request leaves for sip:134@foo.bar', async (t) => {
  // foo.bar must resolve: a hosts file maps it to 127.0.0.2, where a UA listens on 5060
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-hosts-'));
  const hosts = path.join(dir, 'hosts');
  writeFileSync(hosts, '127.0.0.2 foo.bar\n');
  const callee = await UdpPeer.open('127.0.0.2', 5060);
  const srv = await startServer(
    `
loadmodule "sl.so"
route {
	# the core actions alone; test/sip/exec.test.ts runs the fragment as written, with exec_dset
	seturi("sip:2234@foo.bar");
	strip(2);
	if (uri=~"^sip:2") {
		prefix("0");
	} else {
		prefix("1");
	};
	forward(uri:host, uri:port);
}`,
    { resolver: { hostsFile: hosts } },
  );
  const ua = await UdpPeer.open();
  t.after(async () => {
    ua.close();
    callee.close();
    await srv.stop();
  });
  ua.send(request({ uri: 'sip:whoever@example.com', port: ua.port }), srv.port);
  const fwd = await callee.expect();
  assert.equal(fwd.ruri, 'sip:134@foo.bar');
});
