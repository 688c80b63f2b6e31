// The stateful hostile-input run (test/sip/hostile-stateful.test.ts starts it inside a network
// namespace of its own, `unshare -n`, since mutated Request-URIs and Routes make t_relay send
// anywhere): a server with most modules in one script, mutated REGISTERs, INVITEs, BYEs,
// responses, CANCELs, ACKs and RFC 4475 messages over UDP, then one OPTIONS that must be answered.
// Prints one JSON line: what was sent, the server's counters, log lines that show an escaped
// exception, whether the OPTIONS was answered.
//   node hostile-worker.js SEED COUNT DIR
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mutate } from './mutate.js';
import { prng } from './prng.js';
import { startServer } from './server.js';
import { request, UdpPeer } from './sip-peer.js';

const [seed, count, dir] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]!];
const db = `sqlite://${path.join(dir, 'ser.db')}`;
const torture = path.resolve('test/fixtures/rfc4475');
const fixtures = readdirSync(torture).filter((f) => f.endsWith('.sip')).map((f) => readFileSync(path.join(torture, f)));

const srv = await startServer(`
debug=3
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "uri.so"
loadmodule "group.so"
loadmodule "acc.so"
modparam("usrloc", "db_mode", 0)
modparam("auth_db", "db_url", "${db}")
modparam("group", "db_url", "${db}")
modparam("acc", "db_url", "${db}")
modparam("acc", "log_flag", 1)
modparam("acc", "db_flag", 1)
modparam("acc", "log_missed_flag", 2)
modparam("acc", "db_missed_flag", 2)
modparam("acc", "log_fmt", "cdfimorstup01FTUSnDX")
modparam("tm", "fr_timer", 1)
modparam("tm", "fr_inv_timer", 2)
route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); break; };
  if (len_gt(max_len)) { sl_send_reply("513", "Message too big"); break; };
  setflag(1); setflag(2);
  if (method!="REGISTER") record_route();
  if (loose_route()) { append_hf("P-Loose: 1\\r\\n"); t_relay(); break; };
  if (uri==myself) {
    if (method=="REGISTER") {
      if (search("^Authorization")) {
        if (!www_authorize("", "subscriber")) { www_challenge("", "1"); break; };
        if (!check_to()) { sl_send_reply("403", "Forbidden"); break; };
      };
      save("location");
      break;
    };
    if (is_user_in("From", "local")) { log(1, "local\\n"); };
    if (search("^Proxy-Authorization")) {
      if (!proxy_authorize("", "subscriber")) { proxy_challenge("", "0"); break; };
      if (!check_from()) { sl_send_reply("403", "Use From=ID"); break; };
    };
    if (!lookup("location")) {
      if (method=="OPTIONS") { sl_send_reply("200", "OK"); break; };
      acc_log_request("404 Not Here");
      acc_db_request("404 Not Here", "missed_calls");
      sl_send_reply("404", "Not Found");
      break;
    };
  };
  if (is_user("x")) { rewritehostport("127.0.0.1:9"); };
  replace("X-Rep: .*", "X-Rep: replaced");
  replace_all("hi", "ho");
  search_append("^To:.*", "\\r\\nX-App: 1");
  remove_hf("X-Del");
  t_on_failure("1");
  if (!t_relay()) { sl_reply_error(); };
}
failure_route[1] {
  append_branch();
  t_relay();
}`, { resolver: { servers: ['127.0.0.1:1'] } });

const P = srv.port;
const peer = await UdpPeer.open();
const rnd = prng(seed);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
const users = ['alice', 'bob', 'x', 'carol'];

/** A well-formed message of one of six kinds, before mutation. */
function template(): string {
  const u = pick(users);
  const n = Math.floor(rnd() * 1e6);
  const via = `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK${n};rport\r\n`;
  const digest = `Digest username="${u}", realm="127.0.0.1", nonce="${n.toString(16)}", uri="sip:127.0.0.1", response="${'0'.repeat(32)}", qop=auth, nc=00000001, cnonce="c", algorithm=MD5`;
  const auth = rnd() < 0.3 ? `Authorization: ${digest}\r\n` : '';
  const proxyAuth = rnd() < 0.3 ? `Proxy-Authorization: ${digest}\r\n` : '';
  const from = `From: "J\u00c3\u00bcrgen" <sip:${pick(users)}@127.0.0.1>;tag=${n}\r\n`;
  switch (Math.floor(rnd() * 6)) {
    case 0:
      return `REGISTER sip:127.0.0.1:${P} SIP/2.0\r\n${via}Max-Forwards: 70\r\n${from}To: <sip:${u}@127.0.0.1>\r\nCall-ID: r${n}\r\nCSeq: ${n % 100} REGISTER\r\n` +
        `Contact: <sip:${u}@127.0.0.1:${peer.port}>;q=0.${n % 10};expires=${n % 7200}, "D" <sip:${u}2@127.0.0.1:9>\r\nExpires: 60\r\n${auth}User-Agent: hostile/1\r\nContent-Length: 0\r\n\r\n`;
    case 1:
      return `INVITE sip:${u}@127.0.0.1:${P} SIP/2.0\r\n${via}Max-Forwards: 70\r\n${from}To: <sip:${u}@127.0.0.1>\r\nCall-ID: i${n}\r\nCSeq: 1 INVITE\r\n` +
        `Contact: <sip:a@127.0.0.1:${peer.port}>\r\n${proxyAuth}Subject: hi\r\nX-Rep: a\r\nX-Del: b\r\nRecord-Route: <sip:127.0.0.1:9;lr>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n`;
    case 2:
      return `BYE sip:${u}@127.0.0.1:9 SIP/2.0\r\n${via}Max-Forwards: 70\r\nRoute: <sip:127.0.0.1:${P};lr;ftag=${n}>, <sip:127.0.0.1:9;lr>\r\n${from}To: <sip:${u}@127.0.0.1>;tag=t${n}\r\nCall-ID: b${n}\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n`;
    case 3:
      return `SIP/2.0 ${pick([100, 180, 200, 302, 486, 503])} X\r\nVia: SIP/2.0/UDP 127.0.0.1:${P};branch=z9hG4bK${n}.0\r\n${via}${from}To: <sip:${u}@127.0.0.1>;tag=t\r\nCall-ID: i${n}\r\nCSeq: 1 INVITE\r\nContact: <sip:${u}@127.0.0.1:9>\r\nContent-Length: 0\r\n\r\n`;
    case 4:
      return `CANCEL sip:${u}@127.0.0.1:${P} SIP/2.0\r\n${via}Max-Forwards: 70\r\n${from}To: <sip:${u}@127.0.0.1>\r\nCall-ID: i${n}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n`;
    default:
      return `ACK sip:${u}@127.0.0.1:${P} SIP/2.0\r\n${via}Max-Forwards: 70\r\nRoute: <sip:127.0.0.1:${P};lr>\r\n${from}To: <sip:${u}@127.0.0.1>;tag=x\r\nCall-ID: i${n}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`;
  }
}

for (let i = 0; i < count; i++) {
  const base = rnd() < 0.3 ? pick(fixtures) : Buffer.from(template(), 'latin1');
  peer.send(rnd() < 0.1 ? base : mutate(base, rnd, 6), P);
  // bursts of 40 with a pause: about correctness, not load (a full socket buffer drops in the kernel)
  if (i % 40 === 39) await new Promise((r) => setTimeout(r, 4));
}
// the transactions the run started time out (fr_timer 1 s, fr_inv_timer 2 s) and their failure routes run
await new Promise((r) => setTimeout(r, 3000));
const ua = await UdpPeer.open();
let answer: Buffer | undefined;
for (let i = 0; i < 5 && !answer; i++) {
  ua.send(request({ port: ua.port, uri: `sip:nobody@127.0.0.1:${P}` }), P);
  answer = await ua.next(500);
}
const escaped = srv.log.lines.filter((l) => /BUG|failed on|failed: |TypeError|RangeError|ReferenceError/.test(l));
console.log(JSON.stringify({ sent: count, stats: srv.server.stats, escaped: escaped.slice(0, 5), answer: answer?.toString('latin1').split('\r\n')[0] }));
await srv.stop();
peer.close();
ua.close();
process.exit(0);
