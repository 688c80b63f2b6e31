import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDb } from '../../src/db/open.js';
import type { Usrloc } from '../../src/modules/usrloc/usrloc.js';
import type { SipMessage } from '../../src/sip/parser/message.js';
import { sipsak, sipsakPort } from '../cli/cli-helpers.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { UdpPeer } from '../helpers/sip-peer.js';

// Digest authentication end to end (auth + auth_db over SQLite): the HowTo §3.1 registrar with
// sipsak, then the protocol details over a raw UDP peer, with responses computed here with
// node:crypto from the RFC 2617 formulas (independently of the server's code).

const md5 = (s: string) => createHash('md5').update(s, 'latin1').digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s, 'latin1').digest('hex');
const REALM = 'mydomain.com';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function database(t: TestContext, rows: Record<string, string>[]): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ser-auth-'));
  const url = `sqlite://${dir}/ser.db`;
  const db = await openDb(url);
  for (const r of rows) await db.insert('subscriber', { ha1: '', ha1b: '', password: '', ...r });
  await db.close();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return url;
}

/** HowTo §3.1's registrar: www_authorize on REGISTER, with the given auth_db parameters. */
function registrarCfg(url: string, params: string, authParams = ''): string {
  return `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "maxfwd.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
loadmodule "auth.so"\nloadmodule "auth_db.so"
modparam("auth_db", "db_url", "${url}")
${params}
${authParams}
route{
  if (method=="REGISTER") {
    if (!www_authorize("${REALM}", "subscriber")) {
      www_challenge("${REALM}", "0");
      break;
    };
    save("location");
    break;
  };
  sl_send_reply("404", "Not here");
}
`;
}

const PLAIN = 'modparam("auth_db", "calculate_ha1", yes)\nmodparam("auth_db", "password_column", "password")';

async function serve(t: TestContext, cfg: string, port?: number): Promise<TestServer> {
  const srv = await startServer(cfg, port ? { port } : {});
  t.after(() => srv.stop());
  return srv;
}

function bindings(srv: TestServer, aor: string): string[] {
  const ul = srv.server.states.get('usrloc') as Usrloc;
  return ul.dump().flatMap((t) => t.records).filter((r) => r.aor === aor).flatMap((r) => r.contacts.map((c) => c.uri));
}

test('HowTo §3.1: calculate_ha1 + password_column; sipsak registers with the right password and is refused with a wrong one', { timeout: 30_000 }, async (t) => {
  const url = await database(t, [{ username: 'alice', domain: REALM, password: 'qwerty' }]);
  const port = await sipsakPort();
  const srv = await serve(t, registrarCfg(url, PLAIN), port);
  const uri = `sip:alice@127.0.0.1:${port}`;
  const bad = await sipsak(uri, 12_000, ['-U', '-i', '-C', 'sip:alice@127.0.0.1:7999', '-u', 'alice', '-a', 'wrong']);
  assert.notEqual(bad.code, 0, bad.output);
  assert.match(bad.output, /401 Unauthorized/);
  assert.deepEqual(bindings(srv, 'alice'), []);
  const good = await sipsak(uri, 12_000, ['-U', '-i', '-C', 'sip:alice@127.0.0.1:7999', '-u', 'alice', '-a', 'qwerty']);
  assert.equal(good.code, 0, good.output);
});

test('stored ha1 and ha1b only (no plain-text password): the same with sipsak', { timeout: 30_000 }, async (t) => {
  const url = await database(t, [
    { username: 'bob', domain: REALM, ha1: md5(`bob:${REALM}:s3cret`), ha1b: md5(`bob@${REALM}:${REALM}:s3cret`) },
  ]);
  const port = await sipsakPort();
  await serve(t, registrarCfg(url, ''), port);
  const uri = `sip:bob@127.0.0.1:${port}`;
  const good = await sipsak(uri, 12_000, ['-U', '-i', '-C', 'sip:bob@127.0.0.1:7998', '-u', 'bob', '-a', 's3cret']);
  assert.equal(good.code, 0, good.output);
  const bad = await sipsak(uri, 12_000, ['-U', '-i', '-C', 'sip:bob@127.0.0.1:7998', '-u', 'bob', '-a', 'S3cret']);
  assert.notEqual(bad.code, 0, bad.output);
});

// ------------------------------------------------------------------ the protocol over raw UDP

let seq = 0;
interface Reg {
  user: string;
  auth?: string;
  callId?: string;
  cseq?: number;
}
function register(peer: UdpPeer, port: number, r: Reg): string {
  const n = ++seq;
  return (
    `REGISTER sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKauth${n}\r\n` +
    `From: <sip:${r.user}@${REALM}>;tag=f${n}\r\nTo: <sip:${r.user}@${REALM}>\r\nCall-ID: ${r.callId ?? `auth-${n}`}\r\n` +
    `CSeq: ${r.cseq ?? n} REGISTER\r\nContact: <sip:${r.user}@127.0.0.1:${peer.port}>\r\n` +
    (r.auth ? `Authorization: ${r.auth}\r\n` : '') +
    `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`
  );
}

async function final(peer: UdpPeer): Promise<SipMessage> {
  for (;;) {
    const m = await peer.expect();
    if (m.status >= 200) return m;
  }
}

function challengeOf(m: SipMessage, name = 'www-authenticate'): { nonce: string; realm: string; qop?: string; stale: boolean; algorithm?: string }[] {
  return m.headersNamed(name).map((h) => {
    const v = m.value(h);
    return {
      nonce: /nonce="([^"]*)"/.exec(v)![1]!,
      realm: /realm="([^"]*)"/.exec(v)![1]!,
      qop: /qop="([^"]*)"/.exec(v)?.[1],
      stale: /stale=true/i.test(v),
      algorithm: /algorithm=([A-Za-z0-9-]+)/.exec(v)?.[1],
    };
  });
}

interface Creds {
  user: string;
  password: string;
  nonce: string;
  uri: string;
  realm?: string;
  nc?: string;
  cnonce?: string;
  alg?: 'MD5' | 'SHA-256';
  method?: string;
}
function authorization(c: Creds): string {
  const realm = c.realm ?? REALM;
  const H = c.alg === 'SHA-256' ? sha256 : md5;
  const ha1 = H(`${c.user}:${realm}:${c.password}`);
  const ha2 = H(`${c.method ?? 'REGISTER'}:${c.uri}`);
  const resp = c.nc ? H(`${ha1}:${c.nonce}:${c.nc}:${c.cnonce}:auth:${ha2}`) : H(`${ha1}:${c.nonce}:${ha2}`);
  let s = `Digest username="${c.user}", realm="${realm}", nonce="${c.nonce}", uri="${c.uri}", response="${resp}"`;
  if (c.alg && c.alg !== 'MD5') s += `, algorithm=${c.alg}`;
  if (c.nc) s += `, qop=auth, nc=${c.nc}, cnonce="${c.cnonce}"`;
  return s;
}

async function rawSetup(t: TestContext, cfgParams = PLAIN, qop = '0', authParams = ''): Promise<{ srv: TestServer; peer: UdpPeer; ask: (r: Reg) => Promise<SipMessage> }> {
  const url = await database(t, [
    { username: 'alice', domain: REALM, password: 'qwerty' },
    { username: "o'brien", domain: REALM, password: 'x"; DROP TABLE subscriber; --' },
  ]);
  const srv = await serve(t, registrarCfg(url, cfgParams, authParams).replace(`www_challenge("${REALM}", "0")`, `www_challenge("${REALM}", "${qop}")`));
  const peer = await UdpPeer.open();
  t.after(() => peer.close());
  return {
    srv,
    peer,
    ask: async (r) => {
      peer.send(register(peer, srv.port, r), srv.port);
      return final(peer);
    },
  };
}

test('401 with a signed nonce; the computed response registers; the wrong one, another user or realm, or another URI do not', async (t) => {
  const { srv, ask } = await rawSetup(t);
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const c401 = await ask({ user: 'alice' });
  assert.equal(c401.status, 401);
  assert.equal(c401.reason, 'Unauthorized');
  const [ch] = challengeOf(c401);
  assert.equal(ch!.realm, REALM);
  assert.equal(ch!.qop, undefined, 'qop "0": no qop offered');
  assert.match(ch!.nonce, /^[0-9a-f]{48}$/);
  const ok = (a: string) => ask({ user: 'alice', auth: a });
  assert.equal((await ok(authorization({ user: 'alice', password: 'wrong', nonce: ch!.nonce, uri: ruri }))).status, 401);
  assert.equal((await ok(authorization({ user: 'nobody', password: 'qwerty', nonce: ch!.nonce, uri: ruri }))).status, 401);
  // credentials for another realm are not ours: still a challenge
  assert.equal((await ok(authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri, realm: 'other.org' }))).status, 401);
  // RFC 2617 §3.2.2.5: the digest-uri must be the Request-URI
  assert.equal((await ok(authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: 'sip:elsewhere.org' }))).status, 401);
  // a nonce we did not sign
  assert.equal((await ok(authorization({ user: 'alice', password: 'qwerty', nonce: 'f'.repeat(48), uri: ruri }))).status, 401);
  const good = await ok(authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri }));
  assert.equal(good.status, 200);
  assert.equal(bindings(srv, 'alice').length, 1);
});

test('a non-ASCII user name and password (UTF-8 in the message, text in the table) authenticate, computed or stored', async (t) => {
  // the digest username is a quoted-string and may hold UTF-8 (RFC 3261 §25.1, RFC 7616 §4);
  // the To URI carries the name %-escaped, as a URI must
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const user = bytes('jürgen');
  const uriUser = 'j%C3%BCrgen';
  const md5utf8 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
  const url = await database(t, [
    { username: 'jürgen', domain: REALM, password: 'pässwörd', ha1: md5utf8(`jürgen:${REALM}:pässwörd`) },
  ]);
  for (const params of [PLAIN, '']) {
    const srv = await serve(t, registrarCfg(url, params));
    const peer = await UdpPeer.open();
    t.after(() => peer.close());
    const ask = async (r: Reg) => {
      peer.send(register(peer, srv.port, r), srv.port);
      return final(peer);
    };
    const ruri = `sip:127.0.0.1:${srv.port}`;
    const [ch] = challengeOf(await ask({ user: uriUser }));
    const creds = { user, nonce: ch!.nonce, uri: ruri };
    const how = params ? 'calculate_ha1' : 'stored ha1';
    // the password's UTF-8 bytes, as a UA hashes them
    assert.equal((await ask({ user: uriUser, auth: authorization({ ...creds, password: bytes('pässwörd') }) })).status, 200, how);
    // its Latin-1 bytes are another password
    assert.equal((await ask({ user: uriUser, auth: authorization({ ...creds, password: 'pässwörd' }) })).status, 401, how);
    // the address of record is the unescaped user part (SER's extract_aor)
    assert.deepEqual(bindings(srv, user), [`sip:${uriUser}@127.0.0.1:${peer.port}`], how);
  }
});

test('qop=auth: nonce-counts must grow; a replayed request is challenged again (RFC 7616 §3.4.5)', async (t) => {
  const { srv, ask } = await rawSetup(t, PLAIN, '1');
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const [ch] = challengeOf(await ask({ user: 'alice' }));
  assert.equal(ch!.qop, 'auth');
  const a1 = authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri, nc: '00000001', cnonce: 'c1' });
  assert.equal((await ask({ user: 'alice', auth: a1 })).status, 200);
  // the same credentials again (a replay): refused
  assert.equal((await ask({ user: 'alice', auth: a1 })).status, 401);
  const a2 = authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri, nc: '00000002', cnonce: 'c2' });
  assert.equal((await ask({ user: 'alice', auth: a2 })).status, 200);
});

test('an expired nonce gets a new challenge with stale=true', async (t) => {
  const { srv, ask } = await rawSetup(t, PLAIN, '0', 'modparam("auth", "nonce_expire", 1)');
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const [ch] = challengeOf(await ask({ user: 'alice' }));
  assert.equal(ch!.stale, false);
  await new Promise((r) => setTimeout(r, 2100));
  const again = await ask({ user: 'alice', auth: authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri }) });
  assert.equal(again.status, 401);
  const [ch2] = challengeOf(again);
  assert.equal(ch2!.stale, true);
  assert.notEqual(ch2!.nonce, ch!.nonce);
  assert.equal((await ask({ user: 'alice', auth: authorization({ user: 'alice', password: 'qwerty', nonce: ch2!.nonce, uri: ruri }) })).status, 200);
});

test('hostile Authorization headers: 400 for malformed ones, a challenge otherwise, never a crash; SQL text stays data', async (t) => {
  const { srv, ask } = await rawSetup(t);
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const [ch] = challengeOf(await ask({ user: 'alice' }));
  const malformed = [
    'Digest username="alice, realm="x',
    'Digest username',
    'Digest ' + Array.from({ length: 300 }, (_, i) => `p${i}=1`).join(','),
    `Digest username="alice", realm="${REALM}", nonce="${ch!.nonce}", uri="${ruri}", response="zz"`,
    `Digest username="alice", realm="${REALM}", qop=auth, nonce="${ch!.nonce}", uri="${ruri}", response="00"`,
  ];
  for (const a of malformed) {
    assert.equal((await ask({ user: 'alice', auth: a })).status, 400, a.slice(0, 50));
  }
  // SQL metacharacters in the username and password are only ever bound values
  const sql = authorization({ user: "o'brien", password: 'x"; DROP TABLE subscriber; --', nonce: ch!.nonce, uri: ruri });
  assert.equal((await ask({ user: 'alice', auth: sql })).status, 200);
  assert.equal((await ask({ user: 'alice', auth: authorization({ user: "' OR '1'='1", password: 'x', nonce: ch!.nonce, uri: ruri }) })).status, 401);
  // the server still answers and the table is intact
  assert.equal((await ask({ user: 'alice', auth: authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: ruri }) })).status, 200);
});

test('SHA-256 offered beside MD5, MD5 last (RFC 8760); both kinds of client register', async (t) => {
  const { srv, ask } = await rawSetup(t, PLAIN, '1', 'modparam("auth", "algorithms", "MD5,SHA-256")');
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const chs = challengeOf(await ask({ user: 'alice' }));
  assert.deepEqual(chs.map((c) => c.algorithm ?? 'MD5'), ['SHA-256', 'MD5']);
  const sha = authorization({ user: 'alice', password: 'qwerty', nonce: chs[0]!.nonce, uri: ruri, nc: '00000001', cnonce: 'a', alg: 'SHA-256' });
  assert.equal((await ask({ user: 'alice', auth: sha })).status, 200);
  const m = authorization({ user: 'alice', password: 'qwerty', nonce: chs[1]!.nonce, uri: ruri, nc: '00000001', cnonce: 'b' });
  assert.equal((await ask({ user: 'alice', auth: m })).status, 200);
});

test('SHA-256 with stored MD5 hashes only is refused at start with what to do', async (t) => {
  const url = await database(t, []);
  await assert.rejects(
    startServer(registrarCfg(url, '', 'modparam("auth", "algorithms", "SHA-256,MD5")')),
    /calculate_ha1/,
  );
});

test('two servers with the same secret accept each other\'s nonces (Example 3-10); with another secret, a new challenge', async (t) => {
  const url = await database(t, [{ username: 'alice', domain: REALM, password: 'qwerty' }]);
  const secret = 'modparam("auth", "secret", "alsdkhglaksdhfkloiwr")';
  const a = await serve(t, registrarCfg(url, PLAIN, secret));
  const b = await serve(t, registrarCfg(url, PLAIN, secret));
  const c = await serve(t, registrarCfg(url, PLAIN, 'modparam("auth", "secret", "another")'));
  const peer = await UdpPeer.open();
  t.after(() => peer.close());
  peer.send(register(peer, a.port, { user: 'alice' }), a.port);
  const [ch] = challengeOf(await final(peer));
  for (const [srv, want] of [[b, 200], [c, 401]] as const) {
    const auth = authorization({ user: 'alice', password: 'qwerty', nonce: ch!.nonce, uri: `sip:127.0.0.1:${srv.port}` });
    peer.send(register(peer, srv.port, { user: 'alice', auth }), srv.port);
    assert.equal((await final(peer)).status, want);
  }
});

test('§3.2.11: a From claiming our domain must authenticate (search + proxy_authorize); check_to stops joe registering as alice', async (t) => {
  const url = await database(t, [
    { username: 'joe', domain: 'foo.bar', password: 'joepw' },
    { username: 'alice', domain: 'foo.bar', password: 'alicepw' },
  ]);
  const cfg = `loadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "usrloc.so"\nloadmodule "registrar.so"
loadmodule "textops.so"\nloadmodule "auth.so"\nloadmodule "auth_db.so"\nloadmodule "uri.so"
modparam("auth_db", "db_url", "${url}")
${PLAIN}
route{
  if (method=="REGISTER") {
    if (!www_authorize("foo.bar", "subscriber")) { www_challenge("foo.bar", "0"); break; };
    if (!check_to()) { sl_send_reply("403", "Username and To do not match"); break; };
    save("location");
    break;
  };
  # does the user claim our domain "foo.bar" in From?
  if (search("^(f|From):.*foo.bar")) {
    # if so, verify credential
    if (!proxy_authorize("foo.bar", "subscriber")) {
      # don't proceed if credentials broken; challenge
      proxy_challenge("foo.bar", "0");
      break;
    };
  };
  sl_send_reply("200", "Relayed");
}
`;
  const srv = await serve(t, cfg);
  const peer = await UdpPeer.open();
  t.after(() => peer.close());
  const ruri = `sip:127.0.0.1:${srv.port}`;
  const reg = (toUser: string, auth?: string) => {
    const n = ++seq;
    peer.send(
      `REGISTER ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKpol${n}\r\n` +
        `From: <sip:joe@foo.bar>;tag=p${n}\r\nTo: <sip:${toUser}@foo.bar>\r\nCall-ID: pol-${n}\r\nCSeq: 1 REGISTER\r\n` +
        `Contact: <sip:joe@127.0.0.1:${peer.port}>\r\n` + (auth ? `Authorization: ${auth}\r\n` : '') + `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      srv.port,
    );
    return final(peer);
  };
  const msg = (fromLine: string, auth?: string) => {
    const n = ++seq;
    peer.send(
      `MESSAGE sip:bob@elsewhere.org SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKmsg${n}\r\n` +
        `${fromLine};tag=m${n}\r\nTo: <sip:bob@elsewhere.org>\r\nCall-ID: msg-${n}\r\nCSeq: 1 MESSAGE\r\n` +
        (auth ? `Proxy-Authorization: ${auth}\r\n` : '') + `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      srv.port,
    );
    return final(peer);
  };
  // joe's valid credentials, To alice: refused; To joe: registered
  const [ch] = challengeOf(await reg('alice'));
  const joe = (uri: string, nonce: string, method = 'REGISTER') =>
    authorization({ user: 'joe', password: 'joepw', realm: 'foo.bar', nonce, uri, method });
  const asAlice = await reg('alice', joe(ruri, ch!.nonce));
  assert.equal(asAlice.status, 403);
  assert.equal(asAlice.reason, 'Username and To do not match');
  assert.equal((await reg('joe', joe(ruri, ch!.nonce))).status, 200);
  assert.deepEqual(bindings(srv, 'alice'), []);
  assert.equal(bindings(srv, 'joe').length, 1);
  // a caller from another domain is relayed without a challenge
  assert.equal((await msg('From: <sip:carol@other.org>')).status, 200);
  // one claiming foo.bar, in the long or the compact form, is challenged (407)...
  const c407 = await msg('From: <sip:joe@foo.bar>');
  assert.equal(c407.status, 407);
  assert.equal((await msg('f: <sip:joe@foo.bar>')).status, 407);
  const [pch] = challengeOf(c407, 'proxy-authenticate');
  assert.equal(pch!.realm, 'foo.bar');
  // ...and relayed with valid credentials
  assert.equal((await msg('From: <sip:joe@foo.bar>', joe('sip:bob@elsewhere.org', pch!.nonce, 'MESSAGE'))).status, 200);
});

test('Example 3-10: the primary saves and replicates an authenticated REGISTER; the backup accepts its nonce (same secret)', async (t) => {
  // the example reads stored HA1 values (no calculate_ha1)
  const url = await database(t, [{ username: 'alice', domain: 'foo.bar', ha1: md5('alice:foo.bar:qwerty') }]);
  const guide = readFileSync(path.join(ROOT, 'test', 'fixtures', 'cfg', 'guide', 'ex3-10.cfg'), 'utf8');
  // the guide's script for both servers, each with its own address; "foo.bar" names both
  const local = (replicateTo: number, peerAddr: string) =>
    guide
      .replace(/^debug=3.*$/m, 'debug=0')
      .replace(/^fork=no.*$/m, 'fork=no\nalias="foo.bar"')
      .replace('modparam("auth", "secret"', `modparam("auth_db", "db_url", "${url}")\nmodparam("auth", "secret"`)
      .replace('src_ip==backup.foo.bar', `src_ip==${peerAddr}`)
      .replace('t_replicate("backup.foo.bar", "5060")', `t_replicate("127.0.0.1", "${replicateTo}")`);
  const backup = await serve(t, local(9, '127.0.0.1'));
  const primary = await serve(t, local(backup.port, '127.0.0.3'));
  const peer = await UdpPeer.open('127.0.0.2');
  t.after(() => peer.close());
  const send = (auth?: string) => {
    const n = ++seq;
    peer.send(
      `REGISTER sip:foo.bar SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:${peer.port};branch=z9hG4bKrep${n}\r\n` +
        `From: <sip:alice@foo.bar>;tag=r${n}\r\nTo: <sip:alice@foo.bar>\r\nCall-ID: rep-${n}\r\nCSeq: 1 REGISTER\r\n` +
        `Contact: <sip:alice@127.0.0.2:${peer.port}>\r\n` + (auth ? `Authorization: ${auth}\r\n` : '') + `Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      primary.port,
    );
    return final(peer);
  };
  const [ch] = challengeOf(await send());
  const ok = await send(authorization({ user: 'alice', password: 'qwerty', realm: 'foo.bar', nonce: ch!.nonce, uri: 'sip:foo.bar' }));
  assert.equal(ok.status, 200);
  assert.equal(bindings(primary, 'alice').length, 1);
  for (let i = 0; i < 50 && bindings(backup, 'alice').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(bindings(backup, 'alice'), bindings(primary, 'alice'));
});
