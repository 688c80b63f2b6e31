import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { freePort } from '../helpers/ports.js';
import { UdpPeer } from '../helpers/sip-peer.js';
import { runSipp } from '../helpers/sipp.js';
import { killMatchingAfter, sipsak, sipsakPort, startListening, tempDir, waitUntil, writeCfg, type Ctx } from './cli-helpers.js';
import { registrarCfgHead, serctl } from './serctl-helpers.js';

// serctl end to end against a real `ser -D` (admin guide §3.2.1, §3.2.2 with Example 3-7, §5.1
// with Example 5-2): what serctl writes (subscribers in the database, contacts and aliases in the
// server's memory through the FIFO) is what the running server then acts on, over SIP.

const DOMAIN = 'foo.bar';

/** Start `ser -D -f <dir>/ser.cfg` with `text`; it and everything naming the config die at the end. */
async function serWith(t: Ctx, dir: string, text: string): Promise<void> {
  const cfg = writeCfg(dir, 'ser.cfg', text);
  killMatchingAfter(t, cfg);
  await startListening(t, ['-D', '-f', cfg], { cwd: dir });
}

/** A UDP peer closed at the end of the test. */
async function peer(t: Ctx): Promise<UdpPeer> {
  const p = await UdpPeer.open();
  t.after(() => p.close());
  return p;
}

let n = 0;
function invite(from: UdpPeer, ruri: string, to: string): string {
  const i = ++n;
  return (
    `INVITE ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${from.port};branch=z9hG4bKe2e${i}x${Date.now()}\r\n` +
    `From: <sip:caller@${DOMAIN}>;tag=c${i}\r\nTo: <${to}>\r\nCall-ID: e2e-${i}-${Date.now()}@127.0.0.1\r\n` +
    `CSeq: 1 INVITE\r\nContact: <sip:caller@127.0.0.1:${from.port}>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

/** A final response to a request, built from its headers (what a UAS answers). */
function answer(req: SipMessage, raw: Buffer, status: number, reason: string): string {
  const head = raw.toString('latin1').split('\r\n\r\n')[0]!.split('\r\n').slice(1);
  const pick = (re: RegExp) => head.filter((l) => re.test(l));
  const to = pick(/^(to|t)\s*:/i)[0]!;
  return [
    `SIP/2.0 ${status} ${reason}`,
    ...pick(/^(via|v)\s*:/i),
    ...pick(/^(from|f)\s*:/i),
    /;tag=/i.test(to) ? to : `${to};tag=uas${n}`,
    ...pick(/^(call-id|i)\s*:/i),
    ...pick(/^cseq\s*:/i),
    `Contact: <${req.ruri ?? 'sip:uas@127.0.0.1'}>`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** The next final response arriving at `p` (provisional ones skipped). */
async function finalResponse(p: UdpPeer, ms = 5000): Promise<SipMessage> {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await p.expect(Math.max(1, deadline - Date.now()));
    if (m.status >= 200) return m;
  }
}

// ------------------------------------------------------------------------------------------ 1

const authCfg = (port: number, url: string) => `listen=127.0.0.1
port=${port}
log_stderror=yes
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
modparam("usrloc", "db_mode", 0)
modparam("auth_db", "db_url", "${url}")
route{
	if (method=="REGISTER") {
		if (!www_authorize("${DOMAIN}", "subscriber")) { www_challenge("${DOMAIN}", "0"); break; };
		save("location");
		break;
	};
	sl_send_reply("404", "Not here");
}
`;

test('serctl add: the new user registers with digest auth (stored ha1); serctl passwd replaces the password at once', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t, 'serctl-e2e-auth-');
  const url = `sqlite://${path.join(dir, 'ser.db')}`;
  const env = { SIP_DOMAIN: DOMAIN, SER_DB_URL: url };
  const add = await serctl(['add', 'newuser', 'secret', 'newuser@foo.bar'], { cwd: dir, env });
  assert.equal(add.status, 0, add.stdout + add.stderr);
  assert.equal(add.stdout, 'new user added\n');

  const port = await sipsakPort();
  await serWith(t, dir, authCfg(port, url));
  const uri = `sip:newuser@127.0.0.1:${port}`;
  const reg = (password: string) => sipsak(uri, 8000, ['-U', '-i', '-C', 'sip:newuser@127.0.0.1:7999', '-u', 'newuser', '-a', password]);

  const good = await reg('secret');
  assert.equal(good.code, 0, good.output);
  const bad = await reg('wrong');
  assert.notEqual(bad.code, 0, bad.output);
  assert.match(bad.output, /401 Unauthorized/);

  const pw = await serctl(['passwd', 'newuser', 'other'], { cwd: dir, env });
  assert.equal(pw.status, 0, pw.stdout + pw.stderr);
  assert.equal(pw.stdout, 'password change succeeded\n');
  const old = await reg('secret');
  assert.notEqual(old.code, 0, old.output);
  assert.match(old.output, /401 Unauthorized/);
  const fresh = await reg('other');
  assert.equal(fresh.code, 0, fresh.output);
});

// ---------------------------------------------------------------------------------------- 2, 3

const aliasCfg = (port: number, fifo: string) => `${registrarCfgHead(port, fifo, `alias="${DOMAIN}"\n`)}route{
	if (uri==myself) {
		if (method=="REGISTER") { save("location"); break; };
		lookup("aliases");
		if (!lookup("location")) { sl_send_reply("404", "Not Found"); break; };
	};
	t_relay();
}
`;

async function aliasServer(t: Ctx, prefix: string): Promise<{ dir: string; port: number; env: Record<string, string> }> {
  const dir = tempDir(t, prefix);
  const fifo = path.join(dir, 'ser_fifo');
  const port = await freePort();
  await serWith(t, dir, aliasCfg(port, fifo));
  assert.ok(await waitUntil(() => existsSync(fifo), 5000), 'ser made its FIFO');
  return { dir, port, env: { SER_FIFO: fifo, SIP_DOMAIN: DOMAIN, SER_DB_URL: `sqlite://${path.join(dir, 'ser.db')}` } };
}

test('serctl alias add 1234 sip:john.doe@foo.bar: a call to 1234 reaches john.doe (Example 3-7)', { timeout: 30_000 }, async (t) => {
  const { dir, port, env } = await aliasServer(t, 'serctl-e2e-alias-');
  const uas = await peer(t);
  const caller = await peer(t);

  const alias = await serctl(['alias', 'add', '1234', 'sip:john.doe@foo.bar'], { cwd: dir, env });
  assert.equal(alias.status, 0, alias.stdout + alias.stderr);
  assert.equal(alias.stdout, "sip:john.doe@foo.bar\n200 Added to table\n('1234','sip:john.doe@foo.bar') to 'aliases'\n");
  const contact = `sip:john.doe@127.0.0.1:${uas.port}`;
  const ul = await serctl(['ul', 'add', 'john.doe', contact], { cwd: dir, env });
  assert.equal(ul.status, 0, ul.stdout + ul.stderr);

  caller.send(invite(caller, 'sip:1234@foo.bar', 'sip:1234@foo.bar'), port);
  const raw = await uas.next(5000);
  assert.ok(raw, 'the INVITE for 1234 reached john.doe\'s contact');
  const req = parseMessage(raw);
  assert.equal(req.method, 'INVITE');
  assert.equal(req.ruri, contact, 'Request-URI: alias 1234 -> john.doe -> his contact');
  uas.send(answer(req, raw, 200, 'OK'), port);
  const fin = await finalResponse(caller);
  assert.equal(fin.status, 200, 'the caller gets the UAS\'s 200');
});

test('serctl ul add/show/rm newuser: after rm, ul show prints the 404 and a call to newuser gets 404 from the script', { timeout: 30_000 }, async (t) => {
  const { dir, port, env } = await aliasServer(t, 'serctl-e2e-ul-');
  const caller = await peer(t);

  const add = await serctl(['ul', 'add', 'newuser', 'sip:666@gateway.foo.bar'], { cwd: dir, env });
  assert.equal(add.status, 0, add.stdout + add.stderr);
  assert.equal(add.stdout, "sip:666@gateway.foo.bar\n200 Added to table\n('newuser','sip:666@gateway.foo.bar') to 'location'\n");
  const show = await serctl(['ul', 'show', 'newuser'], { cwd: dir, env });
  assert.equal(show.status, 0, show.stdout + show.stderr);
  assert.match(show.stdout, /^<sip:666@gateway\.foo\.bar>;q=1\.00;expires=\d+\n$/);
  const rm = await serctl(['ul', 'rm', 'newuser'], { cwd: dir, env });
  assert.equal(rm.status, 0, rm.stdout + rm.stderr);
  assert.equal(rm.stdout, '200 user (location, newuser) deleted\n');
  const gone = await serctl(['ul', 'show', 'newuser'], { cwd: dir, env });
  assert.equal(gone.status, 1, gone.stdout + gone.stderr);
  assert.equal(gone.stdout, '404 Username newuser in table location not found\n');

  caller.send(invite(caller, 'sip:newuser@foo.bar', 'sip:newuser@foo.bar'), port);
  const fin = await finalResponse(caller);
  assert.equal(fin.status, 404);
  assert.equal(fin.reason, 'Not Found');
});

// ------------------------------------------------------------------------------------------ 4

const monitorCfg = (port: number, fifo: string) => `${registrarCfgHead(port, fifo)}route{
	if (method=="REGISTER") { save("location"); break; };
	if (method=="OPTIONS") {
		if (uri=~"^sip:tm@") { t_newtran(); t_reply("200", "OK"); break; };
		sl_send_reply("200", "OK");
		break;
	};
	sl_send_reply("404", "Not Found");
}
`;

/** A SIPp client scenario: one request of `method` to `user`@the server, a 200 expected. */
const scenario = (method: string, user: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="${method} ${user}">
  <send>
    <![CDATA[

      ${method} sip:${user}@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:${user}@${DOMAIN}>;tag=[call_number]
      To: <sip:${user}@${DOMAIN}>
      Call-ID: [call_id]
      CSeq: 1 ${method}
      Contact: <sip:${user}@[local_ip]:[local_port]>
      Expires: 600
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

interface Counters {
  tmTotal: number;
  tmRepliedLocally: number;
  tm2xx: number;
  sl200: number;
  sl404: number;
  ulLocation: number;
}

function counters(screen: string): Counters {
  const num = (re: RegExp) => {
    const m = re.exec(screen);
    assert.ok(m, `${re} in\n${screen}`);
    return Number(m[1]);
  };
  return {
    tmTotal: num(/Transaction Statistics\n[^]*?Total: (\d+)/),
    tmRepliedLocally: num(/Replied localy: (\d+)/),
    tm2xx: num(/Completion status [^\n]*2xx: (\d+)/),
    sl200: num(/Stateless Server Statistics\n200: (\d+)/),
    sl404: num(/Stateless Server Statistics\n[^]*? 404: (\d+)/),
    ulLocation: num(/^'location' (\d+) \d+$/m),
  };
}

test('serctl monitor: the counters grow by what SIPp sent (200 OPTIONS stateless, 100 stateful, 150 REGISTERs)', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t, 'serctl-e2e-moni-');
  const fifo = path.join(dir, 'ser_fifo');
  const port = await freePort();
  await serWith(t, dir, monitorCfg(port, fifo));
  assert.ok(await waitUntil(() => existsSync(fifo), 5000), 'ser made its FIFO');
  const env = { SER_FIFO: fifo, SIP_DOMAIN: DOMAIN, WATCH_CYCLES: '1' };
  const monitor = async () => {
    const m = await serctl(['monitor'], { cwd: dir, env });
    assert.equal(m.status, 0, m.stdout + m.stderr);
    assert.match(m.stdout, /^\[cycle #: 1; if constant make sure server lives and fifo is on\]\n/);
    return counters(m.stdout);
  };
  const sipp = async (method: string, user: string, calls: number) => {
    const sf = writeCfg(dir, `${method}-${user.replace(/\W/g, '')}.xml`, scenario(method, user));
    const r = await runSipp(['-sf', sf, '-m', String(calls), '-r', '200', '-i', '127.0.0.1', '-p', String(await freePort()), `127.0.0.1:${port}`], 20_000);
    assert.equal(r.successful, calls, `${method} ${user}: ${r.stdout.slice(-2000)}\n${r.stderr}`);
    assert.equal(r.failed, 0);
  };

  const before = await monitor();
  await sipp('OPTIONS', 'sl', 200);
  await sipp('OPTIONS', 'tm', 100);
  await sipp('REGISTER', 'reg[call_number]', 150);
  const after = await monitor();
  const grew = Object.fromEntries(Object.keys(after).map((k) => [k, after[k as keyof Counters] - before[k as keyof Counters]]));
  // sl counts save()'s 200s too, as SER's registrar replied through sl: 200 OPTIONS + 150 REGISTERs
  assert.deepEqual(grew, { tmTotal: 100, tmRepliedLocally: 100, tm2xx: 100, sl200: 350, sl404: 0, ulLocation: 150 });
});
