// serctl's FIFO client (SER's fifo_cmd; admin guide §4.2). A request is
//
//   :command:reply_name\n  param line\n ...  \n(empty line)
//
// written to the server's FIFO in one write; reply_name is a FIFO we make in /tmp (the server
// takes reply names relative to /tmp/), which the server opens, writes its reply to ("200 ok" or
// another status line, then the body) and closes.
//
// Reading: the reply FIFO is opened non-blocking before the request goes out, so the server's
// open of it succeeds at once. Until a writer has come, Linux reads 0 bytes (not EAGAIN) from a
// FIFO; so 0 means "the reply is complete" only after some bytes came. A deadline ends the wait.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_FIFO = '/tmp/ser_fifo';
/** where reply FIFOs are made: the server resolves reply names relative to /tmp/ (SER's FIFO server) */
export const REPLY_DIR = '/tmp';
export const DEFAULT_FIFO_TIMEOUT_MS = 5000;

/** A FIFO request that could not be made or was not answered; the message says what to do. */
export class FifoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FifoError';
  }
}

export interface FifoReply {
  readonly code: number;
  /** the status line, e.g. "200 ok" */
  readonly status: string;
  /** the lines after the status line */
  readonly body: string;
  /** status line and body as the server wrote them */
  readonly raw: string;
}

/** The request text: `:cmd:reply\n` + one line per parameter + an empty line. */
export function fifoRequest(cmd: string, replyName: string, params: readonly string[]): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(cmd)) throw new FifoError(`bad FIFO command name '${cmd}': letters, digits, '_', '.', '-' only`);
  for (const p of params) if (p.includes('\n')) throw new FifoError('a FIFO parameter cannot contain a line break: give each line as its own parameter');
  return `:${cmd}:${replyName}\n${params.map((p) => p + '\n').join('')}\n`;
}

/** Splits a reply into its status line and body. */
export function parseReply(raw: string): FifoReply {
  const nl = raw.indexOf('\n');
  const status = (nl < 0 ? raw : raw.slice(0, nl)).replace(/\r$/, '');
  const body = nl < 0 ? '' : raw.slice(nl + 1);
  const m = /^\s*(\d{3})/.exec(status);
  return { code: m ? Number(m[1]) : 500, status, body, raw };
}

/**
 * What serctl prints of a reply (SER's filter_fl): a first line "200 ok" is dropped, anything
 * else (other 2xx texts, errors) is printed as it came.
 */
export function printableReply(r: FifoReply): string {
  const text = /^200 ok\s*$/i.test(r.status) ? r.body : r.raw;
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

const hint = (fifo: string): string =>
  `is ser running with fifo="${fifo}" in its config (or -i ${fifo})? Set SER_FIFO if it uses another path`;

function openServerFifo(fifo: string): number {
  let st;
  try {
    st = statSync(fifo);
  } catch {
    throw new FifoError(`cannot send to ser's FIFO ${fifo}: it does not exist — ${hint(fifo)}`);
  }
  if (!st.isFIFO()) throw new FifoError(`${fifo} is not a FIFO — ${hint(fifo)}`);
  try {
    // non-blocking: ENXIO at once when no server reads it, instead of hanging
    return openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENXIO') throw new FifoError(`nobody reads ser's FIFO ${fifo} (a stale file?) — ${hint(fifo)}`);
    if (code === 'EACCES') throw new FifoError(`no permission to write to ser's FIFO ${fifo}: run serctl as the user ser runs as, or set fifo_mode`);
    throw new FifoError(`cannot open ser's FIFO ${fifo}: ${(e as Error).message}`);
  }
}

/** Reply FIFOs made and not yet removed (removed by removeReplyFifos() on Ctrl-C). */
const live = new Set<string>();

/** Removes the reply FIFOs of requests still waiting (for a SIGINT handler). */
export function removeReplyFifos(): void {
  for (const p of live) rmSync(p, { force: true });
  live.clear();
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface FifoOptions {
  /** the server's FIFO (default SER_FIFO or /tmp/ser_fifo) */
  readonly fifo: string;
  readonly timeoutMs?: number;
}

/** Sends one request and returns the server's reply; FifoError when it cannot. */
export async function fifoCommand(o: FifoOptions, cmd: string, params: readonly string[] = []): Promise<FifoReply> {
  const name = `ser_receiver_${process.pid}_${randomBytes(4).toString('hex')}`;
  const replyPath = path.join(REPLY_DIR, name);
  const request = Buffer.from(fifoRequest(cmd, name, params), 'utf8');
  const out = openServerFifo(o.fifo);
  let rfd: number | undefined;
  try {
    try {
      execFileSync('mkfifo', ['-m', '0622', replyPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      live.add(replyPath);
    } catch (e) {
      throw new FifoError(`cannot make the reply FIFO ${replyPath} with mkfifo: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
    }
    rfd = openSync(replyPath, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const n = writeSync(out, request);
      if (n !== request.length) throw new FifoError(`only ${n} of ${request.length} bytes of the request reached ${o.fifo}: the server's FIFO is full; try again`);
    } catch (e) {
      if (e instanceof FifoError) throw e;
      throw new FifoError(`cannot write to ser's FIFO ${o.fifo}: ${(e as Error).message} — ${hint(o.fifo)}`);
    }
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(65536);
    const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_FIFO_TIMEOUT_MS);
    for (;;) {
      let n: number;
      try {
        n = readSync(rfd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw new FifoError(`reading the reply from ${replyPath}: ${(e as Error).message}`);
        n = -1;
      }
      if (n > 0) {
        chunks.push(Buffer.from(buf.subarray(0, n)));
        continue;
      }
      if (n === 0 && chunks.length > 0) break;
      if (Date.now() >= deadline) {
        throw new FifoError(`no reply to '${cmd}' from ${o.fifo} within ${Math.round((o.timeoutMs ?? DEFAULT_FIFO_TIMEOUT_MS) / 1000)} s — ${hint(o.fifo)}`);
      }
      await sleep(10);
    }
    return parseReply(Buffer.concat(chunks).toString('utf8'));
  } finally {
    closeSync(out);
    if (rfd !== undefined) closeSync(rfd);
    rmSync(replyPath, { force: true });
    live.delete(replyPath);
  }
}

/** True when a server reads `fifo` (for commands that use the FIFO only when ser runs). */
export function fifoServed(fifo: string): boolean {
  try {
    closeSync(openServerFifo(fifo));
    return true;
  } catch {
    return false;
  }
}
