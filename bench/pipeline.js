#!/usr/bin/env node
// The cost of one request through the whole pipeline, without sockets: parse, check, fix the
// Via, run the S1 script (mf_process_maxfwd_header + sl_send_reply), build the reply; the send
// is replaced by a counter. Two figures, both CPU time of the whole process (all threads, so
// the JIT compiler and the garbage collector count):
//   cold: the first 20,000 requests after start-up (what the S1 benchmark's run pays);
//   warm: after 1,000,000 more, the steady state.
// Bounded: 1.02 million requests.
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

const cfg = readFileSync(path.join(here, '..', 'test', 'fixtures', 'cfg', 'bench', 'stateless.cfg'), 'utf8').replace('port=5060', `port=${await freePort()}`);
const base = defaultCoreConfig();
base.auto_aliases = false;
const loaded = loadConfig(cfg, 'stateless.cfg', MODULES, base);
const server = new SipServer(loaded, { log: new Logger(new MemorySink(), 0) });
await server.start();
const startup = process.cpuUsage(c00);
let sent = 0;
server.transport.send = () => {
  sent++;
  return true;
};
// the request SIPp's options.xml sends, one per call number
const msg = (i) =>
  Buffer.from(
    `OPTIONS sip:ping@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-${i}-1-0\r\n` +
      `From: sipp <sip:sipp@127.0.0.1:5080>;tag=1234T${i}\r\nTo: <sip:ping@127.0.0.1:5060>\r\nCall-ID: ${i}-1234@127.0.0.1\r\n` +
      `CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
const bufs = Array.from({ length: 20_000 }, (_, i) => msg(i));
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
for (let i = 0; i < 500_000; i++) server.receive(bufs[i % 20_000], rcv);
const warm = cpuPer(() => {
  for (let i = 0; i < 500_000; i++) server.receive(bufs[i % 20_000], rcv);
}, 500_000);
await server.stop();
if (sent !== 1_020_000) throw new Error(`expected 1020000 replies, got ${sent}`);
console.log(
  `pipeline (S1 OPTIONS -> 200, no sockets): start-up ${((startup.user + startup.system) / 1000).toFixed(0)} ms CPU; ` +
    `first 20k requests ${cold.toFixed(1)} µs CPU each; warm ${(warm * 1000).toFixed(0)} ns CPU each`,
);
process.exit(0);
