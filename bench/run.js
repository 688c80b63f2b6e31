#!/usr/bin/env node
// npm run bench: the figures of docs/benchmarks.md.
//
//  1. S1 (stateless 200 OK to OPTIONS, shared/bench/ser/stateless.cfg unchanged) through the
//     shared compare.sh, against this server and, when installed, against Kamailio, alternating,
//     several rounds; prints each run and the medians and ratios.
//  2. S2 (REGISTERs into the in-memory location table, shared/bench/ser/registrar.cfg unchanged)
//     and S3 (calls through the record-routing stateful proxy, shared/bench/ser/proxy.cfg
//     unchanged), the same way.
//  3. S2 block by block (bench/warmup.js): how long each 1,000 REGISTERs take, for both servers.
//     S2 with digest authentication (bench/auth.js), against Kamailio's auth_db on MariaDB.
//  4. Memory per live transaction (bench/tm-memory.js) and per registered user
//     (bench/usrloc-memory.js), the pipeline without sockets
//     (bench/pipeline.js) and the SIP parser micro-benchmark (bench/parser.js).
//
// Usage: npm run bench [-- --rounds N --n REQUESTS[,REQUESTS...] --scenario options|register|call] [--skip-kamailio] [--skip-auth] [--skip-parser]
// Default: S1 and S2 with 20,000 (the benchmark's own size) and 100,000 requests, then S3 with 20,000 calls.
// The compare.sh directory is ../shared/bench next to this repository, or $SER_BENCH_DIR.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serNodeFlags } from '../bin/load-bundle.js';
import { flag, have, opt } from './cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

const rounds = Number(opt('rounds', '3'));
const sizes = opt('n', '20000,100000').split(',').map(Number);
let n = sizes[0];
let scenario = opt('scenario', 'options');
const plan = flag('scenario')
  ? [[scenario, sizes]]
  : [
      ['options', sizes],
      ['register', [20000, 100000]],
      ['call', [20000]],
    ];
const benchDir = process.env.SER_BENCH_DIR ?? path.resolve(root, '..', 'shared', 'bench');
const compare = path.join(benchDir, 'compare.sh');

function machine() {
  const cpu = execFileSync('sh', ['-c', "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], { encoding: 'utf8' }).trim();
  const cores = execFileSync('nproc', { encoding: 'utf8' }).trim();
  return `${cpu}, ${cores} cores, Node.js ${process.version}`;
}

/** One compare.sh run: { ok, failed, wall, rate, cpu } */
function runOnce(server) {
  const env = { ...process.env };
  // -D: stay in the foreground so compare.sh can measure and stop the process it started.
  // bin/ser.js itself, as an installed `ser` runs: its #! line gives Node the server's flags.
  env.SER_START = `${path.join(root, 'bin', 'ser.js')} -D -f {cfg}`;
  const r = spawnSync('bash', [compare, scenario, server, String(n)], { env, encoding: 'utf8', timeout: 300_000 });
  const line = (r.stdout || '').trim().split('\n').filter((l) => l.startsWith(scenario)).pop();
  if (!line) {
    process.stderr.write(`compare.sh ${scenario} ${server} printed no result:\n${r.stdout}\n${r.stderr}\n`);
    return undefined;
  }
  console.log('  ' + line);
  const num = (k) => Number((new RegExp(`${k}=([0-9.]+)`).exec(line) || [])[1]);
  return { ok: num('ok'), failed: num('failed'), wall: num('wall'), rate: num('rate'), cpu: num('server_cpu') };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

function s1() {
  if (!existsSync(compare)) {
    console.log(`compare.sh not found at ${compare}; set SER_BENCH_DIR to the shared bench directory`);
    return false;
  }
  for (const cmd of ['sipp', 'sipsak']) {
    if (!have(cmd)) {
      console.log(`${cmd} is not installed (apt-get install -y sip-tester sipsak)`);
      return false;
    }
  }
  const withKamailio = !flag('skip-kamailio') && have('kamailio');
  console.log(`# ${scenario}: ${n} transactions, ${rounds} rounds; ${machine()}`);
  if (!withKamailio) console.log('(Kamailio not installed or skipped: only this server is measured)');
  const res = { ser: [], kamailio: [] };
  for (let i = 0; i < rounds; i++) {
    if (withKamailio) {
      const k = runOnce('kamailio');
      if (k) res.kamailio.push(k);
    }
    const s = runOnce('ser');
    if (s) res.ser.push(s);
  }
  const summary = (name, rs) => {
    if (!rs.length) return undefined;
    const m = { rate: median(rs.map((r) => r.rate)), cpu: median(rs.map((r) => r.cpu)), failed: rs.reduce((a, r) => a + r.failed, 0) };
    console.log(`${name.padEnd(9)} median rate=${m.rate}/s server_cpu=${m.cpu}s (${((m.cpu / n) * 1e6).toFixed(1)} µs/transaction) failed=${m.failed}`);
    return m;
  };
  const s = summary('ser', res.ser);
  const k = summary('kamailio', res.kamailio);
  if (s && k) {
    console.log(`ratio ser/kamailio: rate ${(s.rate / k.rate).toFixed(2)}, server CPU ${(s.cpu / k.cpu).toFixed(2)}`);
  }
  return true;
}

run: for (const [sc, ns] of plan) {
  scenario = sc;
  for (const size of ns) {
    n = size;
    if (!s1()) break run;
    console.log('');
  }
}
// The other benchmark scripts, run in turn; one that fails is named at the end and makes the
// whole run fail, so that no figure is missing without anybody noticing.
const failedParts = [];
function part(nodeArgs) {
  const r = spawnSync(process.execPath, nodeArgs, { stdio: 'inherit' });
  if (r.status !== 0) failedParts.push(`${path.basename(nodeArgs.find((a) => a.endsWith('.js')))} (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

if (!flag('scenario')) {
  // S2 block by block: the JIT's warm-up against the steady state
  part([path.join(here, 'warmup.js'), '--rounds', String(rounds), ...(flag('skip-kamailio') ? ['--skip-kamailio'] : [])]);
  console.log('');
}
if (!flag('scenario') && !flag('skip-auth')) {
  // S2 with digest authentication, against Kamailio's auth_db on the same MariaDB database
  part([path.join(here, 'auth.js'), '--rounds', String(rounds), ...(flag('skip-kamailio') ? ['--skip-kamailio'] : [])]);
  console.log('');
}
if (!flag('skip-parser')) {
  console.log('# memory per live transaction (bench/tm-memory.js)');
  part(['--expose-gc', path.join(here, 'tm-memory.js')]);
  console.log('\n# memory per registered user (bench/usrloc-memory.js)');
  part(['--expose-gc', path.join(here, 'usrloc-memory.js')]);
  console.log('');
  console.log('# the whole pipeline without sockets (bench/pipeline.js), with the flags of bin/ser.js');
  const serFlags = serNodeFlags();
  for (const sc of ['options', 'register']) {
    part([...serFlags, path.join(here, 'pipeline.js'), sc]);
  }
  console.log('\n# SIP parser micro-benchmark (bench/parser.js)');
  part([path.join(here, 'parser.js')]);
}
if (failedParts.length) {
  console.log(`\nFAILED: ${failedParts.join(', ')}`);
  process.exitCode = 1;
}
