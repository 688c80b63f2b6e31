// JSON-RPC 2.0 over HTTP for the management commands (src/script/rpc.ts): on a TCP address
// (`jsonrpc_listen`, loopback unless told otherwise) and on a unix stream socket
// (`jsonrpc_socket`), which speaks the same HTTP (curl --unix-socket). One POST carries one
// request or a batch; methods are the registry's `method` names plus system.listMethods.
//
// Mapping (docs/configuration.md, "Management interface"):
//   params    an array in the order of the command's parameters, or an object by name; a line
//             is a string (numbers and booleans are taken as their text), a set of lines an
//             array of strings; no line may hold a newline
//   result    the command's `value`
//   errors    -32700 parse error, -32600 invalid request, -32601 unknown method, -32602 bad
//             params; a command that answers with a FIFO status >= 300 gives
//             code = -32000 - status (404 -> -32404, 500 -> -32500), message = its reason,
//             data = { status }; -32001 unauthorized (missing or wrong bearer token, HTTP 401)

import { createHash, timingSafeEqual } from 'node:crypto';
import { lstatSync, promises as fsp } from 'node:fs';
// node:http is loaded when a listener starts: most servers have none, and it costs every start ~5 ms
import type http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { RpcArgs, RpcCommand, RpcRegistry } from '../script/rpc.js';
import type { Logger } from '../util/logger.js';
import { normalizeIp } from '../util/ip.js';
import { parseJsonRpcListen } from '../script/core-options.js';

export { parseJsonRpcListen };

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
export const UNAUTHORIZED = -32001;
/** A command's FIFO status >= 300 becomes -32000 - status. */
export const statusToCode = (status: number): number => -32000 - status;

export const MAX_BODY = 1024 * 1024;
export const MAX_BATCH = 1000;

type Id = string | number | null;
export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: Id;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

const errorResponse = (id: Id, code: number, message: string, data?: unknown): JsonRpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

/** The JSON-RPC methods: the registry's, then system.listMethods. */
export function listMethods(rpc: RpcRegistry): string[] {
  return [...rpc.list().map((c) => c.method), 'system.listMethods'];
}

function lineValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Turn JSON params into the command's arguments, or say what is wrong with them. */
export function paramsToArgs(c: RpcCommand, params: unknown): RpcArgs | string {
  const given = new Map<string, unknown>();
  if (params === undefined || params === null) {
    // no parameters
  } else if (Array.isArray(params)) {
    if (params.length > c.params.length) return `${c.method} takes ${c.params.length} parameter(s), not ${params.length}`;
    params.forEach((v, i) => given.set(c.params[i]!.name, v));
  } else if (typeof params === 'object') {
    for (const [k, v] of Object.entries(params)) {
      if (!c.params.some((p) => p.name === k)) return `${c.method}: unknown parameter '${k}' (takes: ${c.params.map((p) => p.name).join(', ') || 'none'})`;
      given.set(k, v);
    }
  } else {
    return 'params must be an array or an object';
  }
  const args: Record<string, string | readonly string[]> = {};
  for (const p of c.params) {
    const v = given.get(p.name);
    if (v === undefined || v === null) {
      if (!p.optional) return `${c.method}: parameter '${p.name}' missing`;
      continue;
    }
    if (p.kind === 'lines') {
      if (!Array.isArray(v)) return `${c.method}: parameter '${p.name}' must be an array of strings (lines)`;
      const lines: string[] = [];
      for (const x of v) {
        const s = lineValue(x);
        if (s === undefined || /[\r\n]/.test(s)) return `${c.method}: parameter '${p.name}' must be an array of single-line strings`;
        lines.push(s);
      }
      args[p.name] = lines;
    } else {
      const s = lineValue(v);
      if (s === undefined || /[\r\n]/.test(s)) return `${c.method}: parameter '${p.name}' must be a single-line string`;
      args[p.name] = s;
    }
  }
  return args;
}

function validId(id: unknown): id is Id {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

/** One request object; undefined for a notification (no id). */
export async function handleOne(rpc: RpcRegistry, req: unknown): Promise<JsonRpcResponse | undefined> {
  if (typeof req !== 'object' || req === null || Array.isArray(req)) return errorResponse(null, INVALID_REQUEST, 'invalid request');
  const r = req as Record<string, unknown>;
  const hasId = 'id' in r;
  const id: Id = hasId && validId(r.id) ? r.id : null;
  if (r.jsonrpc !== '2.0' || typeof r.method !== 'string' || (hasId && !validId(r.id)) || (r.params !== undefined && (typeof r.params !== 'object' || r.params === null))) {
    return errorResponse(id, INVALID_REQUEST, 'invalid request (needs jsonrpc "2.0", a method, params as an array or object)');
  }
  const answer = (x: JsonRpcResponse) => (hasId ? x : undefined);
  if (r.method === 'system.listMethods') {
    if (Array.isArray(r.params) ? r.params.length > 0 : r.params !== undefined && Object.keys(r.params as object).length > 0) {
      return answer(errorResponse(id, INVALID_PARAMS, 'system.listMethods takes no parameters'));
    }
    return answer({ jsonrpc: '2.0', id, result: listMethods(rpc) });
  }
  const c = rpc.byJsonMethod(r.method);
  if (!c) return answer(errorResponse(id, METHOD_NOT_FOUND, `method '${r.method}' not found`));
  const args = paramsToArgs(c, r.params);
  if (typeof args === 'string') return answer(errorResponse(id, INVALID_PARAMS, args));
  const res = await rpc.call(c, args);
  if (res.code >= 300) return answer(errorResponse(id, statusToCode(res.code), res.reason, { status: res.code }));
  return answer({ jsonrpc: '2.0', id, result: res.value === undefined ? null : res.value });
}

/** A whole body: one request or a batch. Returns the JSON to send, or undefined (only notifications). */
export async function handleBody(rpc: RpcRegistry, body: string): Promise<string | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return JSON.stringify(errorResponse(null, PARSE_ERROR, `parse error: ${(e as Error).message}`));
  }
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) return JSON.stringify(errorResponse(null, INVALID_REQUEST, 'empty batch'));
    if (parsed.length > MAX_BATCH) return JSON.stringify(errorResponse(null, INVALID_REQUEST, `batch of more than ${MAX_BATCH} requests`));
    const out = (await Promise.all(parsed.map((q) => handleOne(rpc, q)))).filter((x): x is JsonRpcResponse => x !== undefined);
    return out.length > 0 ? JSON.stringify(out) : undefined;
  }
  const one = await handleOne(rpc, parsed);
  return one ? JSON.stringify(one) : undefined;
}

export interface JsonRpcServerOptions {
  /** host:port to serve HTTP on ('' : off) */
  readonly listen: string;
  /** unix socket path to serve HTTP on ('' : off) */
  readonly socket: string;
  /** bearer token every request must carry ('' : none) */
  readonly token: string;
  /** permissions of the unix socket file (default 0660) */
  readonly socketMode?: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Host headers a browser could only send for a page of our own (DNS rebinding guard). */
function localHost(h: string | undefined): boolean {
  if (!h) return true;
  const host = h.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || normalizeIp(host) !== undefined;
}

export class JsonRpcServer {
  private readonly servers: http.Server[] = [];
  private socketPath: string | undefined;
  /** where the TCP listener listens, once started */
  address: net.AddressInfo | undefined;
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    private readonly rpc: RpcRegistry,
    private readonly log: Logger,
    private readonly opts: JsonRpcServerOptions,
  ) {
    this.tokenDigest = opts.token ? digest(opts.token) : undefined;
  }

  async start(): Promise<void> {
    if (this.opts.listen) {
      const l = parseJsonRpcListen(this.opts.listen);
      if (typeof l === 'string') throw new Error(`jsonrpc_listen: ${l}`);
      const srv = await this.makeServer();
      await listen(srv, { host: l.host, port: l.port }).catch((e: Error) => {
        throw new Error(`jsonrpc: cannot listen on ${this.opts.listen}: ${e.message}`);
      });
      this.servers.push(srv);
      this.address = srv.address() as net.AddressInfo;
      if (!this.opts.token && !isLoopback(l.host)) this.log.warn(`jsonrpc: listening on ${l.host} without jsonrpc_token: anyone who can reach it can run management commands`);
      this.log.info(`jsonrpc server listening on http://${l.host.includes(':') ? `[${l.host}]` : l.host}:${this.address.port}/`);
    }
    if (this.opts.socket) {
      const file = path.resolve(this.opts.socket);
      await clearStaleSocket(file);
      const srv = await this.makeServer();
      await listen(srv, { path: file }).catch((e: Error) => {
        throw new Error(`jsonrpc: cannot listen on ${file}: ${e.message}`);
      });
      this.servers.push(srv);
      this.socketPath = file;
      await fsp.chmod(file, this.opts.socketMode ?? 0o660);
      this.log.info(`jsonrpc server listening on unix:${file}`);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
    this.servers.length = 0;
    // server.close() removes the socket file; make sure of it
    if (this.socketPath) await fsp.unlink(this.socketPath).catch(() => undefined);
    this.socketPath = undefined;
  }

  private async makeServer(): Promise<http.Server> {
    const { createServer } = await import('node:http');
    const srv = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => void this.onRequest(req, res));
    srv.maxHeadersCount = 50;
    srv.maxConnections = 128;
    srv.keepAliveTimeout = 5000;
    // management listeners must not keep a process alive on their own (the SIP sockets do)
    srv.unref();
    return srv;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const send = (status: number, body: string | undefined, headers: Record<string, string> = {}) => {
      if (res.headersSent) return;
      res.writeHead(status, { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers });
      res.end(body);
    };
    const jsonError = (code: number, message: string) => JSON.stringify(errorResponse(null, code, message));
    if (req.method !== 'POST') return send(405, jsonError(INVALID_REQUEST, 'use POST'), { Allow: 'POST' });
    if (this.tokenDigest) {
      const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]!.trim()), this.tokenDigest)) {
        req.resume();
        return send(401, jsonError(UNAUTHORIZED, 'unauthorized: a valid Authorization: Bearer token is required'), { 'WWW-Authenticate': 'Bearer realm="ser"' });
      }
    } else if (!localHost(req.headers.host)) {
      req.resume();
      return send(403, jsonError(UNAUTHORIZED, 'forbidden: Host must be an address or localhost when no jsonrpc_token is set'));
    }
    // a browser cannot send application/json across origins without a preflight we never answer
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      req.resume();
      return send(415, jsonError(INVALID_REQUEST, 'Content-Type must be application/json'));
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      req.resume();
      return send(413, jsonError(INVALID_REQUEST, `body larger than ${MAX_BODY} bytes`), { Connection: 'close' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    try {
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY) {
          tooBig = true;
          break;
        }
        chunks.push(c);
      }
    } catch {
      return; // the client went away
    }
    if (tooBig) {
      send(413, jsonError(INVALID_REQUEST, `body larger than ${MAX_BODY} bytes`), { Connection: 'close' });
      req.destroy();
      return;
    }
    let out: string | undefined;
    try {
      out = await handleBody(this.rpc, Buffer.concat(chunks).toString('utf8'));
    } catch (e) {
      this.log.err(`jsonrpc: BUG: ${(e as Error).stack ?? e}`);
      return send(500, jsonError(INTERNAL_ERROR, 'internal error'));
    }
    if (out === undefined) return send(204, undefined);
    send(200, out);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function listen(srv: http.Server, where: net.ListenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(where, () => {
      srv.off('error', reject);
      resolve();
    });
  });
}

/** A socket file left by a server that died is removed; a live server's socket or any other file is not. */
async function clearStaleSocket(file: string): Promise<void> {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Error(`jsonrpc_socket '${file}' exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const c = net.connect({ path: file });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`jsonrpc_socket '${file}' is in use by another server`);
  await fsp.unlink(file);
}
