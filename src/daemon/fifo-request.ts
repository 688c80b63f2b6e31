// SER's FIFO request format (admin guide §4.2): a request line `:command:reply_file`, then the
// command's parameters, one line each or (a `lines` parameter) a set of lines ended by a line
// with a single dot, which may itself contain empty lines (t_uac_dlg's header block, Example
// 4-10). A request ends with an empty line, or as soon as the command has all its parameters;
// empty lines between requests are skipped, as SER's FIFO server skipped "empty commands".
//
// Many writers share the FIFO: each writes its request in one write(2), which the kernel keeps
// whole up to PIPE_BUF, so requests arrive one after another but not necessarily one per read.
// This parser takes the bytes as they come and cuts them on request boundaries, knowing from
// each command's declared parameters where its request ends.

import { StringDecoder } from 'node:string_decoder';
import type { RpcArgs, RpcCommand } from '../script/rpc.js';

/** A request ready to run. */
export interface FifoCall {
  readonly kind: 'call';
  readonly command: RpcCommand;
  /** the reply file as written in the request ('' when no reply is wanted) */
  readonly replyFile: string;
  readonly args: RpcArgs;
}

/** A request that cannot run: its reply (when a reply file is known) is the status line. */
export interface FifoRefusal {
  readonly kind: 'refusal';
  /** undefined when the request line itself could not be read */
  readonly replyFile: string | undefined;
  readonly code: number;
  readonly reason: string;
}

export type FifoItem = FifoCall | FifoRefusal;

export interface FifoParserLimits {
  /** most bytes in one request, request line included (default 64 KiB) */
  readonly maxBytes: number;
  /** most lines in one request (default 4096) */
  readonly maxLines: number;
}

export const DEFAULT_FIFO_LIMITS: FifoParserLimits = { maxBytes: 64 * 1024, maxLines: 4096 };

/** `:command:reply_file`: the command is a FIFO name; the reply file may be empty (no reply). */
const REQUEST_LINE = /^:([^:]*):(.*)$/;
const COMMAND_NAME = /^[a-z][a-z0-9_]*$/;

interface Pending {
  command: RpcCommand;
  replyFile: string;
  args: Record<string, string | string[]>;
  /** index of the parameter being read */
  param: number;
  /** lines of the `lines` parameter being read */
  set: string[] | undefined;
  bytes: number;
  lines: number;
}

export class FifoRequestParser {
  private readonly decoder = new StringDecoder('utf8');
  /** an unfinished line (no newline yet) */
  private partial = '';
  /** dropping the rest of an over-long line */
  private dropLine = false;
  private pending: Pending | undefined;
  /** skipping lines up to the next empty line (the parameters of a refused request) */
  private skipping = false;

  constructor(
    private readonly lookup: (name: string) => RpcCommand | undefined,
    private readonly limits: FifoParserLimits = DEFAULT_FIFO_LIMITS,
    /** told about input that is thrown away without a reply */
    private readonly onDiscard: (why: string) => void = () => undefined,
  ) {}

  /** True while a request has begun but is not complete (bytes or lines are still expected). */
  get busy(): boolean {
    return this.pending !== undefined || this.partial !== '';
  }

  /** Feed bytes read from the FIFO; returns the requests they completed, in order. */
  push(chunk: Buffer | string): FifoItem[] {
    const out: FifoItem[] = [];
    let text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    while (text.length > 0) {
      const nl = text.indexOf('\n');
      const piece = nl < 0 ? text : text.slice(0, nl);
      text = nl < 0 ? '' : text.slice(nl + 1);
      if (this.dropLine) {
        if (nl >= 0) this.dropLine = false;
        continue;
      }
      if (this.partial.length + piece.length > this.limits.maxBytes) {
        // a line longer than a whole request may be: refuse the request it belongs to
        this.partial = '';
        this.dropLine = nl < 0;
        this.tooLarge(out);
        continue;
      }
      if (nl < 0) {
        this.partial += piece;
        break;
      }
      const line = (this.partial + piece).replace(/\r$/, '');
      this.partial = '';
      this.line(line, out);
    }
    return out;
  }

  /**
   * The writers have gone quiet with a request unfinished: take what came as the whole request
   * (an unfinished last line as a line; optional parameters left out, required ones missing).
   */
  flush(): FifoItem[] {
    const out: FifoItem[] = [];
    if (this.partial !== '') {
      const line = this.partial.replace(/\r$/, '');
      this.partial = '';
      this.line(line, out);
    }
    this.dropLine = false;
    this.skipping = false;
    const p = this.pending;
    if (p) {
      if (p.set) {
        // an unterminated set of lines ends here
        p.args[p.command.params[p.param]!.name] = p.set;
        p.set = undefined;
        p.param++;
      }
      this.end(out);
    }
    return out;
  }

  private line(line: string, out: FifoItem[]): void {
    const p = this.pending;
    if (!p) {
      if (line === '') {
        this.skipping = false;
        return;
      }
      if (this.skipping && !REQUEST_LINE.test(line)) return;
      this.skipping = false;
      this.requestLine(line, out);
      return;
    }
    p.bytes += line.length + 1;
    p.lines++;
    if (p.bytes > this.limits.maxBytes || p.lines > this.limits.maxLines) {
      this.tooLarge(out);
      // the request may go on after the limit: its remaining lines are skipped up to an empty line
      this.skipping = line !== '';
      return;
    }
    const param = p.command.params[p.param]!;
    if (p.set) {
      if (line === '.') {
        p.args[param.name] = p.set;
        p.set = undefined;
        p.param++;
        if (p.param === p.command.params.length) this.complete(out);
      } else {
        p.set.push(line);
      }
      return;
    }
    if (line === '') {
      this.end(out);
      return;
    }
    if (param.kind === 'lines') {
      if (line === '.') {
        p.args[param.name] = [];
        p.param++;
        if (p.param === p.command.params.length) this.complete(out);
      } else {
        p.set = [line];
      }
      return;
    }
    p.args[param.name] = line;
    p.param++;
    if (p.param === p.command.params.length) this.complete(out);
  }

  private requestLine(line: string, out: FifoItem[]): void {
    const m = REQUEST_LINE.exec(line);
    if (!m) {
      // SER: "command expected"; no reply file to answer to
      this.onDiscard(`malformed request line '${clip(line)}' (expected :command:reply_file)`);
      this.skipping = true;
      return;
    }
    const name = m[1]!;
    const replyFile = m[2]!.trim();
    if (!COMMAND_NAME.test(name)) {
      out.push({ kind: 'refusal', replyFile, code: 400, reason: `malformed command name '${clip(name)}'` });
      this.skipping = true;
      return;
    }
    const command = this.lookup(name);
    if (!command) {
      out.push({ kind: 'refusal', replyFile, code: 500, reason: `command '${name}' not available` });
      this.skipping = true;
      return;
    }
    this.pending = { command, replyFile, args: {}, param: 0, set: undefined, bytes: line.length + 1, lines: 1 };
    if (command.params.length === 0) this.complete(out);
  }

  /** The request ended (empty line, or flush) before every parameter was read. */
  private end(out: FifoItem[]): void {
    const p = this.pending!;
    const missing = p.command.params.slice(p.param).find((q) => !q.optional);
    if (missing) {
      this.pending = undefined;
      out.push({ kind: 'refusal', replyFile: p.replyFile, code: 400, reason: `${p.command.name}: parameter '${missing.name}' missing` });
      return;
    }
    this.complete(out);
  }

  private complete(out: FifoItem[]): void {
    const p = this.pending!;
    this.pending = undefined;
    out.push({ kind: 'call', command: p.command, replyFile: p.replyFile, args: p.args });
  }

  private tooLarge(out: FifoItem[]): void {
    const p = this.pending;
    this.pending = undefined;
    const why = `request too large (more than ${this.limits.maxBytes} bytes or ${this.limits.maxLines} lines)`;
    if (p) out.push({ kind: 'refusal', replyFile: p.replyFile, code: 400, reason: why });
    else this.onDiscard(why);
    this.skipping = true;
  }
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + '...' : s;
}
