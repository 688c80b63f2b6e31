#!/usr/bin/env node
// Where S2's time goes over the run: SIPp's register.xml against shared/bench/ser/registrar.cfg
// (this server) and shared/bench/kamailio/registrar.cfg, as compare.sh runs them (closed loop,
// 100 REGISTERs in flight), with SIPp logging the time of every answer (-trace_rtt). Prints the
// milliseconds each block of 1,000 REGISTERs took, for both servers, median over the rounds:
// the first blocks show the JIT warming up, the later ones the steady state.
//   node bench/warmup.js [--n 20000] [--rounds 3] [--block 1000] [--skip-kamailio]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { flag, have, opt } from './cli.js';
import { portFree } from './port-free.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = process.env.SER_BENCH_DIR ?? path.resolve(root, '..', 'shared', 'bench');
const n = Number(opt('n', '20000'));
const rounds = Number(opt('rounds', '3'));
const block = Number(opt('block', '1000'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

for (const tool of ['sipp', 'sipsak']) if (!have(tool)) throw new Error(`${tool} is not installed (apt-get install sip-tester sipsak)`);
const servers = have('kamailio') && !flag('skip-kamailio') ? ['kamailio', 'ser'] : ['ser'];
if (servers.length === 1) console.log('Kamailio not installed or skipped: this server only');

/** Start one server; resolves to a stop function once it answers. */
async function start(server, dir) {
  await portFree();
  if (server === 'kamailio') {
    const pidFile = path.join(dir, 'kamailio.pid');
    spawnSync('kamailio', ['-m', '1024', '-M', '32', '-f', path.join(benchDir, 'kamailio', 'registrar.cfg'), '-P', pidFile, '-w', dir], { stdio: 'ignore' });
    await sleep(1000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    return async () => {
      spawnSync('pkill', ['-P', String(pid)]);
      process.kill(pid);
      // until it is gone and 5060 is free for the next server: 5 s, then SIGKILL (bench/auth.js)
      for (let i = 0; i < 50 && spawnSync('kill', ['-0', String(pid)]).status === 0; i++) await sleep(100);
      spawnSync('pkill', ['-KILL', '-P', String(pid)]);
      spawnSync('kill', ['-KILL', String(pid)]);
    };
  }
  const child = spawn(path.join(root, 'bin', 'ser.js'), ['-D', '-f', path.join(benchDir, 'ser', 'registrar.cfg')], { stdio: 'ignore' });
  // any answer will do (the registrar config answers OPTIONS with 404); sipsak exits 2 without one
  for (let i = 0; i < 50 && spawnSync('sipsak', ['-s', 'sip:probe@127.0.0.1:5060']).status === 2; i++) await sleep(200);
  return async () => {
    child.kill();
    await new Promise((r) => child.once('exit', r));
  };
}

/** One run: the time (ms) each block of REGISTERs took, from SIPp's log of answers. */
async function run(server) {
  const dir = mkdtempSync(path.join(tmpdir(), 'warmup-'));
  try {
    const stop = await start(server, dir);
    const sipp = [
      '127.0.0.1:5060', '-sf', path.join(benchDir, 'sipp', 'register.xml'), '-inf', path.join(benchDir, 'sipp', 'users.csv'),
      '-i', '127.0.0.1', '-p', '5080', '-m', String(n), '-r', '1000000', '-l', '100', '-recv_timeout', '3000', '-nostdin',
      '-trace_rtt', '-rtt_freq', '1',
    ];
    spawnSync('timeout', ['120', 'sipp', ...sipp], { cwd: dir, stdio: 'ignore' });
    await stop();
    const log = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
    if (!log) throw new Error(`SIPp wrote no answer log against ${server}`);
    // Date_ms;response_time_ms;rtd_no: one line per answered REGISTER
    const times = readFileSync(path.join(dir, log), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => Number(l.split(';')[0]));
    if (times.length < n) throw new Error(`${server}: ${times.length} of ${n} REGISTERs answered`);
    const blocks = [];
    // SIPp's clock ticks by milliseconds: rounded to them
    for (let i = block; i <= n; i += block) blocks.push(Math.round(times[i - 1] - (i === block ? times[0] : times[i - block - 1])));
    return blocks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = Object.fromEntries(servers.map((s) => [s, []]));
for (let r = 0; r < rounds; r++) for (const s of servers) results[s].push(await run(s));
const med = Object.fromEntries(servers.map((s) => [s, results[s][0].map((_, i) => median(results[s].map((b) => b[i])))]));
console.log(`S2 warm-up: ms per ${block} REGISTERs (median of ${rounds} rounds), SIPp closed loop with 100 in flight`);
console.log(['REGISTERs', ...servers.map((s) => (s === 'ser' ? 'this server' : s))].join('\t'));
med[servers[0]].forEach((_, i) => console.log([`${i * block + 1}-${(i + 1) * block}`, ...servers.map((s) => med[s][i])].join('\t')));
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const warm = Math.min(3, med[servers[0]].length - 1);
for (const s of servers) {
  const b = med[s];
  console.log(
    `${s === 'ser' ? 'this server' : s}: first ${warm * block} in ${sum(b.slice(0, warm))} ms; ` +
      `then ${(sum(b.slice(warm)) / (b.length - warm)).toFixed(1)} ms per ${block} (${Math.round((block * 1000 * (b.length - warm)) / sum(b.slice(warm)))}/s)`,
  );
}
