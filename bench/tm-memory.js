#!/usr/bin/env node --expose-gc
// Memory of stateful proxying: N INVITE transactions alive at once through the S3 proxy script
// (record_route + t_relay), without sockets (sends are captured). Reports the bytes each live
// transaction costs (heap + buffers, after a full GC) while ringing (server and client
// transaction in Proceeding, the request kept for CANCEL) and once answered (RFC 6026 Accepted:
// only keys and timers), then waits for the timers (64*T1 with T1 = 100 ms) and checks that
// every transaction is gone and the memory is back. Bounded: N requests, 4 N responses, ~10 s.
// usage: node --expose-gc bench/tm-memory.js [N=100000]
import net from 'node:net';

const N = Number(process.argv[2] ?? 100_000);
if (!global.gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
const { SipServer } = await import('../dist/src/daemon/server.js');
const { MODULES } = await import('../dist/src/modules/registry.js');
const { defaultCoreConfig } = await import('../dist/src/script/core-config.js');
const { loadConfig } = await import('../dist/src/script/load-config.js');
const { Logger, MemorySink } = await import('../dist/src/util/logger.js');

const port = await freePort();
const cfg = `listen=127.0.0.1\nport=${port}\nloadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "rr.so"\n` +
  `modparam("tm", "t1", 100)\nmodparam("rr", "enable_full_lr", 1)\nroute{ record_route(); if (loose_route()) { t_relay(); break; }; t_relay(); }\n`;
const base = defaultCoreConfig();
base.auto_aliases = false;
const server = new SipServer(loadConfig(cfg, 'mem.cfg', MODULES, base), { log: new Logger(new MemorySink(), 0) });
await server.start();
const tm = server.states.get('tm');
const forwarded = [];
server.transport.send = (dest, buf) => {
  if (buf[0] === 0x49 /* I */) forwarded.push(buf);
  return true;
};
const rcv = { proto: 'udp', srcIp: '127.0.0.1', srcPort: 5080, socket: server.socketList[0] };
const uas = { proto: 'udp', srcIp: '127.0.0.1', srcPort: 5070, socket: server.socketList[0] };
/** A received datagram: its own memory, as the UDP socket hands it over (not a slice of a pool). */
function datagram(text) {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'latin1'));
  b.write(text, 'latin1');
  return b;
}
const invite = (i) =>
  datagram(
    `INVITE sip:service@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-${i}-1-0\r\n` +
      `From: sipp <sip:sipp@127.0.0.1:5080>;tag=1234T${i}\r\nTo: service <sip:service@127.0.0.1:5070>\r\nCall-ID: ${i}-1234@127.0.0.1\r\n` +
      `CSeq: 1 INVITE\r\nContact: sip:sipp@127.0.0.1:5080\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: 129\r\n\r\n` +
      `v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`,
  );
/** The response of the UAS to a forwarded INVITE: its Via, Record-Route, From, To (+tag), Call-ID, CSeq. */
function answer(req, status, reason) {
  const lines = req.toString('latin1').split('\r\n');
  const keep = lines.filter((l) => /^(Via|Record-Route|From|To|Call-ID|CSeq):/i.test(l)).map((l) => (/^To:/i.test(l) ? l + ';tag=uas' : l));
  return datagram(`SIP/2.0 ${status} ${reason}\r\n${keep.join('\r\n')}\r\nContact: <sip:127.0.0.1:5070>\r\nContent-Length: 0\r\n\r\n`);
}
function mem() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
const mb = (b) => (b / 1048576).toFixed(1) + ' MB';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// warm up the code paths, then let that transaction go
const m0 = mem();
for (let i = 0; i < N; i++) server.receive(invite(i), rcv);
const sentInvites = forwarded.splice(0);
for (const req of sentInvites) server.receive(answer(req, 180, 'Ringing'), uas);
const m1 = mem();
console.log(`ringing:  ${tm.stats.current} transactions alive, ${mb(m1 - m0)} -> ${Math.round((m1 - m0) / N)} bytes each`);
for (const req of sentInvites) server.receive(answer(req, 200, 'OK'), uas);
sentInvites.length = 0;
const m2 = mem();
console.log(`answered: ${tm.stats.current} transactions alive (${tm.stats.waiting} waiting), ${mb(m2 - m0)} -> ${Math.round((m2 - m0) / N)} bytes each`);
const t0 = Date.now();
while (tm.stats.current > 0 && Date.now() - t0 < 20_000) await sleep(250);
const m3 = mem();
console.log(`after the timers (${((Date.now() - t0) / 1000).toFixed(1)} s): ${tm.stats.current} alive, ${tm.server.size} server and ${tm.client.size} client entries, memory ${mb(m3 - m0)} above the start`);
await server.stop();
process.exit(tm.stats.current === 0 ? 0 : 1);
