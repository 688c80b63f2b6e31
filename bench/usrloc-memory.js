#!/usr/bin/env node --expose-gc
// Memory per registered user: N REGISTERs (one contact each, as shared/bench/sipp/register.xml
// sends them) through save("location") of the S2 script, without sockets (replies captured),
// then the heap and buffers after a full GC, per binding. Bounded: N requests.
// usage: node --expose-gc bench/usrloc-memory.js [N=100000]
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
const cfg =
  `listen=127.0.0.1\nport=${port}\nalias="example.com"\nloadmodule "sl.so"\nloadmodule "tm.so"\nloadmodule "maxfwd.so"\n` +
  `loadmodule "usrloc.so"\nloadmodule "registrar.so"\nmodparam("usrloc", "db_mode", 0)\n` +
  `route{ if (method=="REGISTER") { save("location"); break; }; }\n`;
const base = defaultCoreConfig();
base.auto_aliases = false;
const server = new SipServer(loadConfig(cfg, 'reg.cfg', MODULES, base), { log: new Logger(new MemorySink(), 0) });
await server.start();
let ok = 0;
server.transport.send = (_dest, buf) => {
  if (buf.toString('latin1', 0, 12) === 'SIP/2.0 200 ') ok++;
  return true;
};
const rcv = { proto: 'udp', srcIp: '127.0.0.1', srcPort: 5080, socket: server.socketList[0] };
/** A received datagram: its own memory, as the UDP socket hands it over. */
function datagram(text) {
  const b = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'latin1'));
  b.write(text, 'latin1');
  return b;
}
const register = (i) =>
  datagram(
    `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-${i}-1-0\r\n` +
      `From: <sip:user${i}@example.com>;tag=1234R${i}\r\nTo: <sip:user${i}@example.com>\r\nCall-ID: ${i}-1234@127.0.0.1\r\n` +
      `CSeq: 1 REGISTER\r\nContact: <sip:user${i}@127.0.0.1:5080>\r\nExpires: 3600\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
  );
function mem() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
const m0 = mem();
for (let i = 0; i < N; i++) server.receive(register(i), rcv);
const m1 = mem();
const ul = server.states.get('usrloc');
const stats = ul.stats();
console.log(`${ok} REGISTERs answered 200; ${JSON.stringify(stats)}`);
console.log(`memory: ${((m1 - m0) / 1048576).toFixed(1)} MB for ${N} bindings -> ${Math.round((m1 - m0) / N)} bytes per binding`);
await server.stop();
