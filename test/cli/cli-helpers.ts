// Shared helpers for the command-line tests in test/cli/: run the real `ser` command
// (node bin/ser.js) as a child process, watch its output, talk to it over loopback sockets,
// and make sure that every process a test started is gone when the test ends.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/cli/). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
/** Absolute path of the `ser` command. */
export const SER_JS = path.join(ROOT, 'bin', 'ser.js');
/** The shipped quick-start config. */
export const SHIPPED_CFG = path.join(ROOT, 'etc', 'ser.cfg');

/** The subset of node:test's TestContext the helpers need. */
export interface Ctx {
  after(fn: () => unknown): void;
  diagnostic(msg: string): void;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(t: Ctx, prefix = 'ser-cli-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `text` to `dir/name` and return the absolute path. */
export function writeCfg(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

// ---------------------------------------------------------------------------------------------
// processes

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The direct children of `pid` (pgrep -P). */
export function childPids(pid: number): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-P', String(pid)], { timeout: 5000 }, (_err, stdout) => {
      resolve(
        String(stdout ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 0),
      );
    });
  });
}

/** Every descendant of `pid`, depth first. */
export async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const c of await childPids(pid)) out.push(c, ...(await descendants(c)));
  return out;
}

/** Poll `pred` every 25 ms until it holds or `ms` pass; returns whether it held. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/** SIGTERM `pids`, then SIGKILL whatever is still alive after `graceMs`. */
export async function terminate(pids: readonly number[], graceMs = 1500): Promise<void> {
  const live = pids.filter((p) => p > 0 && isAlive(p));
  for (const p of live) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
  await waitUntil(() => live.every((p) => !isAlive(p)), graceMs);
  for (const p of live) {
    if (!isAlive(p)) continue;
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** Kill `pid` and everything below it (the tree is read before anything is killed). */
export async function killTree(pid: number, graceMs = 1500): Promise<void> {
  if (!(pid > 0)) return;
  const tree = [pid, ...(await descendants(pid))];
  await terminate(tree, graceMs);
}

/** Processes whose command line contains `needle` (a unique temp path), not counting us. */
export function pidsMatching(needle: string): Promise<number[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-f', '--', needle], { timeout: 5000 }, (_err, stdout) => {
      resolve(
        String(stdout ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map(Number)
          .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid),
      );
    });
  });
}

/**
 * After the test, kill every process whose command line names `needle` (use the test's own
 * temporary directory or config file, which no other process can name).
 */
export function killMatchingAfter(t: Ctx, needle: string): void {
  t.after(async () => {
    const left = await pidsMatching(needle);
    if (left.length) {
      t.diagnostic(`cleanup: killing leftover processes ${left.join(', ')} (${needle})`);
      await terminate(left, 1000);
    }
  });
}

export interface SerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** true when `ser` had to be killed because it did not finish in time */
  timedOut: boolean;
  /** how long it ran */
  ms: number;
}

/**
 * Run `ser args...` to completion (or until `timeoutMs`, then SIGKILL). Output goes through
 * files, not pipes, so that a daemon that keeps the parent's stderr cannot hold us up nor get
 * EPIPE when we stop reading.
 */
/**
 * The shipped etc/ser.cfg opens SER's FIFO at /tmp/ser_fifo; a test running it (by name, or by
 * giving no -f) gets a FIFO of its own in its working directory, so that concurrent tests (and a
 * server the developer runs) never share one.
 */
function privateFifo(args: readonly string[], cwd: string): readonly string[] {
  const f = args.indexOf('-f');
  const shipped = f < 0 || args[f + 1] === SHIPPED_CFG;
  return shipped && !args.includes('-i') ? [...args, '-i', path.join(cwd, 'ser_fifo')] : args;
}

export async function runSer(
  t: Ctx,
  args: readonly string[],
  o: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<SerResult> {
  const io = mkdtempSync(path.join(os.tmpdir(), 'ser-cli-io-'));
  t.after(() => rmSync(io, { recursive: true, force: true }));
  const outFile = path.join(io, 'stdout');
  const errFile = path.join(io, 'stderr');
  const outFd = openSync(outFile, 'w');
  const errFd = openSync(errFile, 'w');
  const started = Date.now();
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [SER_JS, ...privateFifo(args, o.cwd)], {
      cwd: o.cwd,
      stdio: ['ignore', outFd, errFd],
      env: o.env ?? process.env,
    });
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
  const pid = child.pid ?? 0;
  t.after(() => killTree(pid, 500));
  const timeoutMs = o.timeoutMs ?? 10_000;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void killTree(pid, 0);
    }, timeoutMs);
    child.once('error', () => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, timedOut });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut });
    });
  });
  return {
    ...result,
    ms: Date.now() - started,
    stdout: readFileSync(outFile, 'utf8'),
    stderr: readFileSync(errFile, 'utf8'),
  };
}

/** A `ser` running in the foreground (-D), with its output collected as it comes. */
export class SerProcess {
  stdout = '';
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private wake: (() => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      this.stdout += d;
      this.poke();
    });
    child.stderr!.on('data', (d: string) => {
      this.stderr += d;
      this.poke();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.poke();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private poke(): void {
    for (const w of this.wake.splice(0)) w();
  }

  /** Wait until `re` matches stdout or stderr (or the process exits, or `ms` pass). */
  async waitOutput(re: RegExp, ms = 5000, which: 'stdout' | 'stderr' | 'any' = 'any'): Promise<RegExpMatchArray | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const text = which === 'stdout' ? this.stdout : which === 'stderr' ? this.stderr : this.stdout + '\n' + this.stderr;
      const m = text.match(re);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0 || this.exit) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Wait for the process to exit; undefined when it is still running after `ms`. */
  async waitExit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
    await Promise.race([this.exited, sleep(ms)]);
    return this.exit;
  }

  /** Everything it printed, for assertion messages. */
  get output(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

/**
 * Start `ser args...` in the foreground (the caller passes -D). The process and everything it
 * starts are killed when the test ends, whatever happened.
 */
export function startSer(t: Ctx, args: readonly string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): SerProcess {
  const child = spawn(process.execPath, [SER_JS, ...privateFifo(args, o.cwd)], {
    cwd: o.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: o.env ?? process.env,
  });
  const p = new SerProcess(child);
  t.after(async () => {
    if (p.pid) await killTree(p.pid, 1000);
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  return p;
}

/** Start a foreground `ser` and wait for its "Listening on" banner; throws with its output if it does not come. */
export async function startListening(t: Ctx, args: readonly string[], o: { cwd: string; ms?: number }): Promise<SerProcess> {
  const p = startSer(t, args, o);
  const ok = await p.waitOutput(/^Aliases:/m, o.ms ?? 8000, 'stdout');
  if (!ok) throw new Error(`ser did not start listening (exit ${JSON.stringify(p.exit)})\n${p.output}`);
  return p;
}

// ---------------------------------------------------------------------------------------------
// ports and SIP traffic

async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  const tcpOk = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
  if (!tcpOk) return false;
  return new Promise<boolean>((resolve) => {
    const u = dgram.createSocket('udp4');
    u.once('error', () => {
      u.close();
      resolve(false);
    });
    u.bind(port, host, () => u.close(() => resolve(true)));
  });
}

/**
 * A port with at most four digits, free for UDP and TCP on 127.0.0.1 right now (never 5060/5061).
 * Needed for sipsak: sipsak 0.9.8.1 cuts a five-digit port in the Request-URI to four digits
 * (`-s sip:test@127.0.0.1:35070` sends `OPTIONS sip:test@127.0.0.1:3507`), so a server on an
 * ephemeral port (what freePort() returns) sees a request for another host:port.
 */
export async function sipsakPort(): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const p = 2000 + Math.floor(Math.random() * 8000);
    if (p === 5060 || p === 5061) continue;
    if (await portIsFree(p)) return p;
  }
  throw new Error('no free four-digit port found');
}

/** Run `sipsak -s uri`; its exit code is 0 when a 200 came back. Killed after `ms`. */
export function sipsak(uri: string, ms = 12_000, extra: readonly string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sipsak', [...extra, '-vv', '-s', uri], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, output: output + String(e) });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** A minimal OPTIONS request with CRLF line ends. */
export function options(o: { port: number; transport?: 'UDP' | 'TCP'; callId?: string; viaPort?: number; uri?: string }): string {
  const branch = 'z9hG4bK' + Math.random().toString(36).slice(2);
  const callId = o.callId ?? Math.random().toString(36).slice(2) + '@cli-test';
  return [
    `OPTIONS ${o.uri ?? `sip:test@127.0.0.1:${o.port}`} SIP/2.0`,
    `Via: SIP/2.0/${o.transport ?? 'UDP'} 127.0.0.1:${o.viaPort ?? 5999};branch=${branch};rport`,
    `From: <sip:cli-test@127.0.0.1>;tag=${Math.random().toString(36).slice(2)}`,
    `To: <sip:test@127.0.0.1:${o.port}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Send one UDP datagram from an ephemeral port and close. */
export function udpSend(port: number, data: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (e) => {
      s.close();
      reject(e);
    });
    s.send(Buffer.from(data, 'latin1'), port, host, (err) => {
      s.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

/** The status line of a SIP response, e.g. "SIP/2.0 200 OK". */
export function statusLine(b: Buffer | string): string {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  return s.slice(0, s.indexOf('\r\n') >= 0 ? s.indexOf('\r\n') : s.length);
}

/** The value of the first header `name` (case-insensitive, full names only). */
export function header(b: Buffer | string, name: string): string | undefined {
  const s = typeof b === 'string' ? b : b.toString('latin1');
  const head = s.split('\r\n\r\n')[0]!;
  for (const line of head.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0 && line.slice(0, i).trim().toLowerCase() === name.toLowerCase()) return line.slice(i + 1).trim();
  }
  return undefined;
}
