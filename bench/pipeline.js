#!/usr/bin/env node
// The cost of one request through the whole pipeline, without sockets: parse, check, fix the
// Via, run the benchmark's script, build the reply; the send is replaced by a counter.
//   node bench/pipeline.js [options|register]
// options: S1's stateless.cfg (mf_process_maxfwd_header + sl_send_reply) answering OPTIONS;
// register: S2's registrar.cfg (save("location")) taking REGISTERs of user0..user39999.
// Figures are CPU time of the whole process (all threads, so the JIT compiler and the garbage
// collector count):
//   cold: the first 20,000 requests after start-up (what the benchmark's run pays);
//   register only, "new": 20,000 more first REGISTERs of new users, once the code is optimised;
//   warm: after 500,000 more (REGISTER: refreshes of the bindings), 500,000 in the steady state.
// Bounded: at most 1.04 million requests.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** A port nobody listens on right now (the server binds it, although the bench sends nothing). */
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const c00 = process.cpuUsage();
const { SipServer } = await import('../dist/src/daemon/server.js');
const { MODULES } = await import('../dist/src/modules/registry.js');
const { defaultCoreConfig } = await import('../dist/src/script/core-config.js');
const { loadConfig } = await import('../dist/src/script/load-config.js');
const { Logger, MemorySink } = await import('../dist/src/util/logger.js');

const scenario = process.argv[2] ?? 'options';
if (scenario !== 'options' && scenario !== 'register') throw new Error(`usage: pipeline.js [options|register], not ${scenario}`);
const cfgName = scenario === 'options' ? 'stateless.cfg' : 'registrar.cfg';
const cfg = readFileSync(path.join(here, '..', 'test', 'fixtures', 'cfg', 'bench', cfgName), 'utf8').replace('port=5060', `port=${await freePort()}`);
const base = defaultCoreConfig();
base.auto_aliases = false;
const loaded = loadConfig(cfg, cfgName, MODULES, base);
const server = new SipServer(loaded, { log: new Logger(new MemorySink(), 0) });
await server.start();
const startup = process.cpuUsage(c00);
let sent = 0;
server.transport.send = () => {
  sent++;
  return true;
};
// the requests SIPp's options.xml and register.xml send, one per call number
const options = (i) =>
  `OPTIONS sip:ping@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-${i}-1-0\r\n` +
  `From: sipp <sip:sipp@127.0.0.1:5080>;tag=1234T${i}\r\nTo: <sip:ping@127.0.0.1:5060>\r\nCall-ID: ${i}-1234@127.0.0.1\r\n` +
  `CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
const register = (i, cseq = 1) =>
  `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-${i}-1-0\r\n` +
  `From: <sip:user${i}@example.com>;tag=1234R${i}\r\nTo: <sip:user${i}@example.com>\r\nCall-ID: ${i}-1234@127.0.0.1\r\n` +
  `CSeq: ${cseq} REGISTER\r\nContact: <sip:user${i}@127.0.0.1:5080>\r\nExpires: 3600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
const msg = (i) => Buffer.from(scenario === 'options' ? options(i) : register(i));
const bufs = Array.from({ length: 20_000 }, (_, i) => msg(i));
const more = scenario === 'register' ? Array.from({ length: 20_000 }, (_, i) => msg(20_000 + i)) : [];
const rcv = { proto: 'udp', srcIp: '127.0.0.1', srcPort: 5080, socket: server.socketList[0] };
const cpuPer = (f, n) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
};
const cold = cpuPer(() => {
  for (let i = 0; i < 20_000; i++) server.receive(bufs[i], rcv);
}, 20_000);
const fresh = more.length
  ? cpuPer(() => {
      for (const b of more) server.receive(b, rcv);
    }, more.length)
  : undefined;
// OPTIONS: the same requests again. REGISTER: refreshes, as a phone sends them (same Call-ID,
// next CSeq: RFC 3261 §10.2.4), built before each timed round of 20,000.
let round = 0;
const nextRound = () => (scenario === 'options' ? bufs : Array.from({ length: 20_000 }, (_, i) => Buffer.from(register(i, 2 + round++))));
for (let r = 0; r < 25; r++) {
  const bs = nextRound();
  for (const b of bs) server.receive(b, rcv);
}
let warm = 0;
for (let r = 0; r < 25; r++) {
  const bs = nextRound();
  warm += cpuPer(() => {
    for (const b of bs) server.receive(b, rcv);
  }, 500_000);
}
await server.stop();
const expected = 1_020_000 + more.length;
if (sent !== expected) throw new Error(`expected ${expected} replies, got ${sent}`);
console.log(
  `pipeline (${scenario === 'options' ? 'S1 OPTIONS' : 'S2 REGISTER'} -> 200, no sockets): start-up ${((startup.user + startup.system) / 1000).toFixed(0)} ms CPU; ` +
    `first 20k requests ${cold.toFixed(1)} µs CPU each; ` +
    (fresh !== undefined ? `20k new users when warm ${fresh.toFixed(1)} µs each; ` : '') +
    `warm ${(warm * 1000).toFixed(0)} ns CPU each`,
);
process.exit(0);
