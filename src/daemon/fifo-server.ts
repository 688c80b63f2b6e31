// SER's FIFO server (admin guide §4.2, §6.5): a named pipe (`fifo=`, `-i`) that takes requests
// `:command:reply_file` plus parameter lines, runs them through the command registry
// (src/script/rpc.ts) and writes `code reason` and the reply body to the reply file.
//
// The FIFO is opened read-write and non-blocking: a writer closing never gives end-of-file (we
// hold a write end ourselves), and libuv polls it like a socket, so nothing blocks the event
// loop. Requests run concurrently; the reply file (usually a FIFO the client made with mkfifo)
// is opened non-blocking, so a client that never opens its end costs a few retries and a log
// line, never a stuck server.

import { execFile } from 'node:child_process';
import { constants as C, promises as fsp, lstatSync, open as fsOpen, close as fsClose, write as fsWrite, fstat as fsFstat } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { RpcRegistry } from '../script/rpc.js';
import type { Logger } from '../util/logger.js';
import { DEFAULT_FIFO_LIMITS, FifoRequestParser, type FifoItem, type FifoParserLimits } from './fifo-request.js';

/** Requests being run or answered at once; beyond it the FIFO is not read. */
const MAX_INFLIGHT = 64;

export interface FifoServerOptions {
  /** the FIFO file; relative names are taken from the working directory */
  readonly path: string;
  /** permissions of the FIFO file (fifo_mode, default 0620) */
  readonly mode: number;
  readonly limits?: FifoParserLimits;
  /** how long to keep trying to open a reply FIFO whose reader is not there yet (ms) */
  readonly replyOpenTimeout?: number;
  /** how long a reply may take to be read (ms) */
  readonly replyWriteTimeout?: number;
  /** an unfinished request is taken as ended after this much silence (ms) */
  readonly idleFlush?: number;
}

/** SER's reply files are relative to /tmp ("name of file or pipe (relative to /tmp/ path)"). */
export function replyPath(name: string): string {
  return path.isAbsolute(name) ? name : path.join('/tmp', name);
}

/** Create the FIFO with mkfifo(1) (Node has no mkfifo), or reuse a stale one; refuse anything else. */
export async function makeFifo(file: string, mode: number): Promise<void> {
  let st;
  try {
    st = lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`fifo '${file}': ${(e as Error).message}`);
  }
  if (st) {
    if (!st.isFIFO()) throw new Error(`fifo '${file}' exists and is not a FIFO (remove it, or set another fifo=)`);
    await fsp.chmod(file, mode);
    return;
  }
  await new Promise<void>((resolve, reject) => {
    execFile('mkfifo', ['-m', mode.toString(8).padStart(4, '0'), '--', file], { timeout: 5000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`cannot create fifo '${file}': ${(stderr || err.message).trim()}`));
      else resolve();
    });
  });
}

export class FifoServer {
  private reader: net.Socket | undefined;
  private parser: FifoRequestParser;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly inflight = new Set<Promise<void>>();
  private stopped = false;
  readonly path: string;

  constructor(
    private readonly rpc: RpcRegistry,
    private readonly log: Logger,
    private readonly opts: FifoServerOptions,
  ) {
    this.path = path.resolve(opts.path);
    this.parser = this.newParser();
  }

  private newParser(): FifoRequestParser {
    return new FifoRequestParser((n) => this.rpc.get(n), this.opts.limits ?? DEFAULT_FIFO_LIMITS, (why) => this.log.err(`fifo: ${why}; ignored`));
  }

  async start(): Promise<void> {
    await makeFifo(this.path, this.opts.mode);
    const fd = await new Promise<number>((resolve, reject) =>
      fsOpen(this.path, C.O_RDWR | C.O_NONBLOCK | C.O_NOFOLLOW, (err, fd) => (err ? reject(new Error(`cannot open fifo '${this.path}': ${err.message}`)) : resolve(fd))),
    );
    const s = new net.Socket({ fd, readable: true, writable: false });
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', (e) => this.log.err(`fifo: reading '${this.path}' failed: ${e.message}`));
    // the FIFO alone must not keep a process alive (tests, workers); the SIP sockets do
    s.unref();
    this.reader = s;
    this.log.info(`fifo server listening on ${this.path}`);
  }

  /** Stop reading, let the requests being answered finish (bounded by their time-outs), remove the FIFO. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    this.reader?.destroy();
    this.reader = undefined;
    await Promise.allSettled([...this.inflight]);
    try {
      const st = lstatSync(this.path);
      if (st.isFIFO()) await fsp.unlink(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log.warn(`fifo: cannot remove '${this.path}': ${(e as Error).message}`);
    }
  }

  private onData(d: Buffer): void {
    clearTimeout(this.idleTimer);
    for (const item of this.parser.push(d)) this.dispatch(item);
    if (this.parser.busy) {
      this.idleTimer = setTimeout(() => {
        for (const item of this.parser.flush()) this.dispatch(item);
      }, this.opts.idleFlush ?? 1000);
      this.idleTimer.unref();
    }
  }

  private dispatch(item: FifoItem): void {
    const p = this.handle(item).catch((e: Error) => this.log.err(`fifo: BUG: ${e.stack ?? e}`));
    this.inflight.add(p);
    // back-pressure: with too many requests waiting for their readers, stop reading the FIFO
    // (writers then wait in the kernel) until some are done
    if (this.inflight.size >= MAX_INFLIGHT) this.reader?.pause();
    void p.finally(() => {
      this.inflight.delete(p);
      if (this.inflight.size < MAX_INFLIGHT && this.reader?.isPaused()) this.reader.resume();
    });
  }

  private async handle(item: FifoItem): Promise<void> {
    let status: string;
    let body = '';
    if (item.kind === 'refusal') {
      status = `${item.code} ${item.reason}`;
      if (item.replyFile === undefined) return;
      this.log.dbg(`fifo: refused: ${status}`);
    } else {
      const r = await this.rpc.call(item.command, item.args);
      status = `${r.code} ${r.reason}`;
      body = r.text;
      this.log.dbg(`fifo: ${item.command.name}: ${status}`);
    }
    if (!item.replyFile) return;
    if (body !== '' && !body.endsWith('\n')) body += '\n';
    await this.reply(replyPath(item.replyFile), `${status.replace(/\n/g, ' ')}\n${body}`);
  }

  /** Write a reply: to a FIFO without blocking, retrying the open while its reader is not there yet. */
  private async reply(file: string, text: string): Promise<void> {
    const deadline = Date.now() + (this.opts.replyOpenTimeout ?? 2000);
    let fd: number | undefined;
    for (;;) {
      try {
        // no O_CREAT: the client makes its reply file (serctl: mkfifo); no following symlinks in /tmp
        fd = await new Promise<number>((resolve, reject) =>
          fsOpen(file, C.O_WRONLY | C.O_NONBLOCK | C.O_NOFOLLOW | C.O_TRUNC, (err, fd) => (err ? reject(err) : resolve(fd))),
        );
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // ENXIO: a FIFO nobody has opened for reading yet
        if ((code === 'ENXIO' || code === 'ENOENT') && Date.now() < deadline && !this.stopped) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        this.log.err(`fifo: cannot open reply file '${file}': ${code === 'ENXIO' ? 'nobody is reading it' : (e as Error).message}; reply dropped`);
        return;
      }
    }
    const isFifo = await new Promise<boolean>((resolve) => fsFstat(fd, (err, st) => resolve(!err && st.isFIFO())));
    if (!isFifo) {
      // a regular file: write and close (a file write does not block on a reader)
      await new Promise<void>((resolve) =>
        fsWrite(fd, text, 0, 'utf8', (err) => {
          if (err) this.log.err(`fifo: writing reply file '${file}' failed: ${err.message}`);
          fsClose(fd, () => resolve());
        }),
      );
      return;
    }
    await new Promise<void>((resolve) => {
      const w = new net.Socket({ fd, readable: false, writable: true });
      const timer = setTimeout(() => {
        this.log.err(`fifo: reply to '${file}' not read within ${this.opts.replyWriteTimeout ?? 5000} ms; dropped`);
        w.destroy();
      }, this.opts.replyWriteTimeout ?? 5000);
      w.on('error', (e) => this.log.err(`fifo: writing reply to '${file}' failed: ${e.message}`));
      w.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      w.end(text);
    });
  }
}
