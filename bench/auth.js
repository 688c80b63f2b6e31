#!/usr/bin/env node
// S2 with digest authentication: SIPp registers users whose plain-text passwords are in the
// subscriber table (REGISTER, 401, REGISTER with credentials, 200), against this server
// (bench/auth/ser-auth.cfg: auth + auth_db) and Kamailio 5.6 (bench/auth/kamailio-auth.cfg:
// auth + auth_db + db_mysql) on the same MariaDB database, alternating, 100 registrations in
// flight. Prints each run like compare.sh, then medians and ratios.
//
// Usage: node bench/auth.js [--n 20000] [--rounds 3] [--db mysql://root@127.0.0.1/ser_bench_auth] [--skip-kamailio]
// Needs: sipp, MariaDB/MySQL reachable with the --db URL's administrator, and for the
// comparison kamailio with kamailio-mysql-modules. The database is dropped and created again.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, have, opt } from './cli.js';
import { portFree } from './port-free.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const N = Number(opt('n', '20000'));
const ROUNDS = Number(opt('rounds', '3'));
const DB = opt('db', 'mysql://root@127.0.0.1/ser_bench_auth');
const USERS = Math.min(N, 20000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (!have('sipp')) {
  console.log('sipp is not installed (apt-get install -y sip-tester)');
  process.exit(0);
}
const withKamailio =
  !flag('skip-kamailio') && have('kamailio') && spawnSync('sh', ['-c', 'ls /usr/lib/*/kamailio/modules/db_mysql.so'], { stdio: 'ignore' }).status === 0;

// the database: SER's schema (ser-dbinit), USERS subscribers with plain-text passwords
const dbinit = path.join(root, 'bin', 'ser-dbinit.js');
spawnSync(process.execPath, [dbinit, 'drop', DB, '--yes'], { stdio: 'ignore' });
const made = spawnSync(process.execPath, [dbinit, 'create', DB, '--no-accounts'], { encoding: 'utf8' });
if (made.status !== 0) {
  console.log(`cannot create ${DB}: ${made.stderr || made.stdout}`);
  process.exit(0);
}
const { openDb } = await import('../dist/src/db/open.js');
const db = await openDb(DB);
for (let from = 1; from <= USERS; from += 1000) {
  const rows = [];
  const vals = [];
  for (let i = from; i < Math.min(from + 1000, USERS + 1); i++) {
    rows.push('(?, ?, ?, ?, ?)');
    vals.push(`user${i}`, 'example.com', `pw${i}`, '', '');
  }
  await db.raw(`INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ${rows.join(', ')}`, vals);
}
await db.close();

const work = mkdtempSync(path.join(os.tmpdir(), 'ser-bench-auth-'));
const csv = path.join(work, 'users.csv');
// field1 is the whole keyword: SIPp does not expand [fieldN] inside [authentication ...]
writeFileSync(csv, 'SEQUENTIAL\n' + Array.from({ length: USERS }, (_, i) => `user${i + 1};[authentication username=user${i + 1} password=pw${i + 1}];`).join('\n') + '\n');
const cfgFor = (name) => {
  const f = path.join(work, name);
  writeFileSync(f, readFileSync(path.join(here, 'auth', name), 'utf8').replaceAll('{db_url}', DB));
  return f;
};
const serCfg = cfgFor('ser-auth.cfg');
const kamCfg = cfgFor('kamailio-auth.cfg');

/** Any answer to an OPTIONS on 5060 (the script answers 404): the server is up. */
async function probe(exited) {
  const s = dgram.createSocket('udp4');
  let answered = false;
  s.on('message', () => (answered = true));
  try {
    for (let i = 0; i < 50 && !exited(); i++) {
      const n = Date.now();
      s.send(
        `OPTIONS sip:probe@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5079;rport;branch=z9hG4bKprobe${n}\r\nFrom: <sip:probe@127.0.0.1>;tag=p${n}\r\n` +
          `To: <sip:probe@127.0.0.1>\r\nCall-ID: probe-${n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
        5060,
        '127.0.0.1',
      );
      await sleep(200);
      if (answered) return true;
    }
    return false;
  } finally {
    s.close();
  }
}

const descendants = (pid) => {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out ? out.split('\n').flatMap((c) => [Number(c), ...descendants(Number(c))]) : [];
};
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const cpuOf = (pids) =>
  pids.reduce((sum, p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + Number(f[11]) + Number(f[12]);
    } catch {
      return sum;
    }
  }, 0) / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

async function runOnce(server) {
  let pid;
  let child;
  let exited = () => false;
  let output = '';
  await portFree();
  if (server === 'kamailio') {
    const pidFile = path.join(work, 'kam.pid');
    spawnSync('kamailio', ['-m', '1024', '-M', '32', '-f', kamCfg, '-P', pidFile, '-w', work], { stdio: 'ignore' });
    await sleep(1000);
    pid = Number(readFileSync(pidFile, 'utf8'));
  } else {
    child = spawn(path.join(root, 'bin', 'ser.js'), ['-D', '-f', serCfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => (output = (output + d).slice(-2000)));
    pid = child.pid;
    exited = () => child.exitCode !== null || child.signalCode !== null;
  }
  try {
    if (!(await probe(exited))) throw new Error(`${server} did not answer on 127.0.0.1:5060${exited() ? `; it exited: ${output.trim()}` : ''}`);
    const stat = path.join(work, `${server}.csv`);
    rmSync(stat, { force: true });
    const t0 = process.hrtime.bigint();
    spawnSync(
      'timeout',
      ['120', 'sipp', '127.0.0.1:5060', '-sf', path.join(here, 'auth', 'register-auth.xml'), '-inf', csv, '-i', '127.0.0.1', '-p', '5080',
        '-m', String(N), '-r', '1000000', '-l', '100', '-recv_timeout', '3000', '-nostdin', '-trace_stat', '-stf', stat, '-fd', '1',
        // the digest-uri must be the Request-URI (RFC 2617 §3.2.2.5); SIPp's default is the remote address
        '-auth_uri', 'example.com'],
      { stdio: 'ignore' },
    );
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = cpuOf([pid, ...descendants(pid)]);
    const last = readFileSync(stat, 'utf8').trim().split('\n').pop().split(';');
    const r = { ok: Number(last[15]), failed: Number(last[17]), wall, cpu };
    r.rate = r.ok / wall;
    console.log(`  register-auth ${server} ok=${r.ok} failed=${r.failed} wall=${wall.toFixed(2)}s rate=${r.rate.toFixed(0)}/s server_cpu=${cpu.toFixed(2)}s`);
    return r;
  } finally {
    const pids = [...descendants(pid), pid];
    for (const p of pids) {
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        // gone already
      }
    }
    // until they are gone and 5060 is free for the next server: 5 s, then SIGKILL (a Kamailio
    // whose MySQL connections hang has been seen to keep its main process and port for minutes)
    for (let i = 0; i < 50 && pids.some(alive); i++) await sleep(100);
    for (const p of pids.filter(alive)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
console.log(`# register-auth: ${N} authenticated REGISTERs, ${USERS} users in ${DB.replace(/:[^:@/]*@/, ':***@')}, ${ROUNDS} rounds`);
if (!withKamailio) console.log('(Kamailio with db_mysql not installed or skipped: only this server is measured)');
const res = { ser: [], kamailio: [] };
for (let i = 0; i < ROUNDS; i++) {
  if (withKamailio) res.kamailio.push(await runOnce('kamailio'));
  res.ser.push(await runOnce('ser'));
}
const summary = (name, rs) => {
  if (!rs.length) return undefined;
  const m = { rate: median(rs.map((r) => r.rate)), cpu: median(rs.map((r) => r.cpu)), failed: rs.reduce((a, r) => a + r.failed, 0) };
  console.log(`${name.padEnd(9)} median rate=${m.rate.toFixed(0)}/s server_cpu=${m.cpu.toFixed(2)}s (${((m.cpu / N) * 1e6).toFixed(1)} µs/registration) failed=${m.failed}`);
  return m;
};
const s = summary('ser', res.ser);
const k = summary('kamailio', res.kamailio);
if (s && k) console.log(`ratio ser/kamailio: rate ${(s.rate / k.rate).toFixed(2)}, server CPU ${(s.cpu / k.cpu).toFixed(2)}`);
rmSync(work, { recursive: true, force: true });
spawnSync(process.execPath, [dbinit, 'drop', DB, '--yes'], { stdio: 'ignore' });
