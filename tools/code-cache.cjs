'use strict';
// Makes dist/bundle/ser.cjs.cache, the V8 code cache bin/load-bundle.js gives V8 when ser starts.
// Run by tools/bundle.js with bin/ser.js's V8 flags. The bundle is loaded as ser loads it; the
// configuration ser ships with (etc/ser.cfg, the guide's default script) is checked (`ser -c`),
// then run on a free loopback port for a few REGISTERs and OPTIONS. What V8 has compiled by then
// (start-up, the configuration's lexer, parser and checks, and the request path: parsing, the
// script, usrloc and registrar, replies) goes into the cache as bytecode, which V8 would
// otherwise compile again at every start and on the first requests. Without the requests (no
// loopback, say) the cache holds the start-up only. The server logs to standard error (-E), which
// tools/bundle.js shows only if making the cache fails.
const dgram = require('node:dgram');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { bundlePath, codeCacheFile, loadBundle } = require('../bin/load-bundle.js');

const cfg = path.join(__dirname, '..', 'etc', 'ser.cfg');
const { exports: ser, script, id } = loadBundle(bundlePath);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port free for both UDP and TCP on 127.0.0.1 (ser listens on both). */
async function freePort() {
  for (let i = 0; i < 10; i++) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer().once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

/** Run etc/ser.cfg on a loopback port and send it what phones send first. */
async function requests(dir) {
  const port = await freePort();
  void ser.run(['-D', '-E', '-f', cfg, '-l', '127.0.0.1', '-p', String(port), '-i', path.join(dir, 'fifo')]);
  const ua = dgram.createSocket('udp4');
  let answered = 0;
  ua.on('message', () => answered++);
  await new Promise((resolve) => ua.bind(0, '127.0.0.1', resolve));
  try {
    const me = `127.0.0.1:${ua.address().port}`;
    const at = `127.0.0.1:${port}`;
    const head = (method, uri, n, to) =>
      `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${me};branch=z9hG4bK-cache-${method}-${n};rport\r\n` +
      `From: <sip:user${n}@${at}>;tag=c${n}\r\nTo: <${to}>\r\nCall-ID: cache-${method}-${n}@127.0.0.1\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n`;
    const options = (n) => `${head('OPTIONS', `sip:nobody@${at}`, n, `sip:nobody@${at}`)}Content-Length: 0\r\n\r\n`;
    const register = (n) =>
      `${head('REGISTER', `sip:${at}`, n, `sip:user${n}@${at}`)}Contact: <sip:user${n}@${me}>\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n`;
    // until it answers (it starts in this process, after the check above): 5 s at most
    for (let i = 0; answered === 0; i++) {
      if (i === 50) throw new Error(`no answer from the server on ${at}`);
      ua.send(options(1000 + i), port, '127.0.0.1');
      await sleep(100);
    }
    const n = 50;
    for (let i = 0; i < n; i++) {
      ua.send(register(i), port, '127.0.0.1');
      ua.send(options(i), port, '127.0.0.1');
      await sleep(1);
    }
    for (let i = 0; i < 50 && answered < 2 * n; i++) await sleep(20);
  } finally {
    ua.close();
  }
}

async function main() {
  if (id === undefined) throw new Error(`${bundlePath} has no build id on its first line`);
  const code = await ser.run(['-c', '-f', cfg]);
  if (code !== 0) throw new Error(`ser -c -f etc/ser.cfg exited ${code}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ser-code-cache-'));
  try {
    await requests(dir);
  } catch (e) {
    process.stderr.write(`code-cache: ${e.message}; the cache holds the start-up only\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.writeFileSync(codeCacheFile(bundlePath), Buffer.concat([Buffer.from(`${id}\n`, 'latin1'), script.createCachedData()]));
}

// exit at once: the server started above has timers and sockets open
main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`code-cache: ${e.stack ?? e}\n`);
    process.exit(1);
  },
);
