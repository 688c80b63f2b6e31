import os from 'node:os';
import { Myself } from '../sip/myself.js';
import { SipParseError } from '../sip/parser/errors.js';
import { parseMessage, type SipMessage } from '../sip/parser/message.js';
import { responseHop, stripFirstVia } from '../sip/proxy/stateless.js';
import { EditList } from '../sip/edit.js';
import { buildReply, LocalTags } from '../sip/reply.js';
import type { ReceiveInfo, SocketInfo, Proto } from '../sip/transport/socket-info.js';
import { Resolver, type Target } from '../sip/transport/resolver.js';
import { TransportLayer, type InheritedHandles } from '../sip/transport/transport-layer.js';
import { checkRequest, checkResponse, reasonPhrase } from '../sip/validate.js';
import { compileScript, type CompiledScript, type StmtFn } from '../script/compile.js';
import { RequestContext } from '../script/context.js';
import type { Core, CoreStats } from '../script/core-api.js';
import type { CoreConfig, ListenSpec } from '../script/core-config.js';
import type { LoadedConfig } from '../script/load-config.js';
import type { ModuleDescriptor, ModuleHooks } from '../script/module-api.js';
import { formatHostPort, ipFamily, normalizeIp } from '../util/ip.js';
import type { Logger } from '../util/logger.js';
import { VERSION, ARCH_OS } from './version.js';
import { RpcRegistry } from '../script/rpc.js';
import { registerCoreCommands } from './core-commands.js';
import { FifoServer } from './fifo-server.js';
import { JsonRpcServer } from './jsonrpc-server.js';


interface HookEntry {
  state: unknown;
  hooks: ModuleHooks<unknown>;
}

export interface ServerOptions {
  log: Logger;
  /** sockets bound by the parent process (worker processes) */
  inherited?: InheritedHandles;
  /** pre-built socket list (workers get it from the parent) */
  sockets?: SocketInfo[];
  resolver?: Resolver;
}

/**
 * One SIP server: sockets, the compiled script, module states, and the per-message pipeline
 * (parse, check, fix the top Via, run the script; or forward a response statelessly).
 */
export class SipServer implements Core {
  readonly cfg: CoreConfig;
  readonly log: Logger;
  readonly resolver: Resolver;
  readonly version = VERSION;
  readonly serverHeader = `Server: Sip EXpress router (${VERSION} (${ARCH_OS}))`;
  readonly userAgentHeader = `User-Agent: Sip EXpress router (${VERSION} (${ARCH_OS}))`;
  readonly stats: CoreStats = {
    requests: 0,
    responses: 0,
    parseErrors: 0,
    rejected: 0,
    droppedResponses: 0,
    fwdRequests: 0,
    fwdResponses: 0,
    scriptErrors: 0,
  };
  transport!: TransportLayer;
  myself!: Myself;
  readonly states = new Map<string, unknown>();
  /** the management commands: the core's (ps, which, uptime...) and those modules register */
  readonly rpc = new RpcRegistry();
  readonly startedAt = new Date();
  /** the FIFO file while the FIFO server runs (for `ps`) */
  fifoPath: string | undefined = undefined;
  /** pids of worker processes (workers=N), for `ps`; set by whoever started them */
  workerPids: () => readonly number[] = () => [];
  /** the JSON-RPC server while it runs (jsonrpc_listen / jsonrpc_socket) */
  jsonrpc: JsonRpcServer | undefined = undefined;
  private fifo: FifoServer | undefined;
  private readonly tags: LocalTags;
  private script!: CompiledScript;
  private main: StmtFn | undefined;
  private preScript: HookEntry[] = [];
  private onResponse: HookEntry[] = [];
  private postScript: HookEntry[] = [];
  private sockets: SocketInfo[] = [];

  constructor(
    readonly loaded: LoadedConfig,
    private readonly opts: ServerOptions,
  ) {
    this.cfg = loaded.core;
    this.log = opts.log;
    this.resolver = opts.resolver ?? new Resolver();
    this.tags = new LocalTags(os.hostname() + loaded.file);
  }

  /** The sockets this server listens on (after start, or as given). */
  get socketList(): readonly SocketInfo[] {
    return this.sockets;
  }

  /** Work out the sockets from listen/port/advertised_* (SER §6.1): resolve names, list interfaces. */
  static async planSockets(cfg: CoreConfig, resolver: Resolver): Promise<SocketInfo[]> {
    let specs: ListenSpec[] = cfg.listen;
    if (specs.length === 0) {
      // SER: "The default behaviour is to listen on all the ipv4 interfaces."
      specs = [];
      for (const addrs of Object.values(os.networkInterfaces())) {
        for (const a of addrs ?? []) if (a.family === 'IPv4') specs.push({ host: a.address, port: cfg.port });
      }
    }
    const out: SocketInfo[] = [];
    const seen = new Set<string>();
    let id = 0;
    for (const spec of specs) {
      let address = normalizeIp(spec.host);
      if (!address) {
        const addrs = await resolver.lookupHost(spec.host).catch(() => []);
        address = addrs[0] && normalizeIp(addrs[0]);
        if (!address) throw new Error(`cannot resolve listen address '${spec.host}'`);
      }
      const port = spec.port ?? cfg.port;
      const family = ipFamily(address) as 4 | 6;
      const protos: Proto[] = spec.proto ? [spec.proto] : cfg.disable_tcp ? ['udp'] : ['udp', 'tcp'];
      for (const proto of protos) {
        const key = `${proto}:${address}:${port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const adv = cfg.advertised_address;
        const viaHost = adv ? adv : family === 6 ? `[${address}]` : address;
        const viaPort = cfg.advertised_port || port;
        out.push({
          id: id++,
          proto,
          address,
          port,
          family,
          name: spec.host,
          viaHost,
          viaPort,
          hostport: formatHostPort(viaHost, viaPort),
        });
      }
    }
    return out;
  }

  /**
   * Learn who myself is, start the modules, compile the script, then open the sockets (or take
   * over the inherited ones). The sockets come last, and with no await after them, so that no
   * message can arrive before the script is ready to run it.
   */
  async start(): Promise<void> {
    this.sockets = this.opts.sockets ?? (await SipServer.planSockets(this.cfg, this.resolver));
    if (this.sockets.length === 0) throw new Error('no address to listen on');
    this.myself = new Myself(this.sockets);
    for (const a of this.cfg.alias) this.myself.add(a.host, a.port);
    if (this.cfg.auto_aliases) await this.addAutoAliases();

    this.states.set('core', this);
    registerCoreCommands(this.rpc, this);
    for (const m of this.loaded.modules) {
      const state = await m.desc.create(this, m.params);
      this.states.set(m.desc.name, state);
      const hooks = (m.desc as ModuleDescriptor<unknown>).hooks;
      if (hooks?.preScript) this.preScript.push({ state, hooks });
      if (hooks?.onResponse) this.onResponse.push({ state, hooks });
      if (hooks?.postScript) this.postScript.push({ state, hooks });
    }
    this.script = await compileScript(this.loaded, {
      states: this.states,
      lookupHost: (name) => this.resolver.lookupHost(name),
    });
    this.main = this.script.route('request', 0);
    // the management interfaces, in the main process only (workers serve SIP)
    if (!this.opts.inherited) await this.startManagement();

    this.transport = new TransportLayer(
      this.sockets,
      (buf, rcv) => this.receive(buf, rcv),
      {
        maxMsgSize: this.cfg.max_msg_size,
        maxBuffer: this.cfg.maxbuffer,
        readTimeout: this.cfg.tcp_read_timeout,
        lifetime: this.cfg.tcp_connection_lifetime,
        connectTimeout: this.cfg.tcp_connect_timeout,
        maxConnections: this.cfg.tcp_max_connections,
      },
      { err: (t) => this.log.err(t), warn: (t) => this.log.warn(t), dbg: (t) => this.log.dbg(t) },
      this.opts.inherited,
    );
    if (!this.opts.inherited) await this.transport.start();
  }

  /** SER adds the names its addresses resolve back to ("Aliases: cat.iptel.org:5060"). Bounded in time. */
  private async addAutoAliases(): Promise<void> {
    const names = new Map<string, number[]>();
    for (const s of this.sockets) {
      const ports = names.get(s.address) ?? [];
      ports.push(s.port);
      names.set(s.address, ports);
    }
    await Promise.all(
      [...names].map(async ([ip, ports]) => {
        const found = await Promise.race([
          this.resolver.reverse(ip).catch(() => [] as string[]),
          new Promise<string[]>((r) => setTimeout(() => r([]), 1000).unref()),
        ]);
        for (const n of found) for (const p of ports) this.myself.add(n, p);
      }),
    );
  }

  /** The FIFO (fifo=, -i) and JSON-RPC (jsonrpc_listen, jsonrpc_socket) servers, if configured. */
  private async startManagement(): Promise<void> {
    const cfg = this.cfg;
    if (cfg.fifo) {
      const fifo = new FifoServer(this.rpc, this.log, { path: cfg.fifo, mode: cfg.fifo_mode });
      await fifo.start();
      this.fifo = fifo;
      this.fifoPath = fifo.path;
    }
    if (cfg.jsonrpc_listen || cfg.jsonrpc_socket) {
      const j = new JsonRpcServer(this.rpc, this.log, { listen: cfg.jsonrpc_listen, socket: cfg.jsonrpc_socket, token: cfg.jsonrpc_token });
      this.jsonrpc = j;
      await j.start();
    }
  }

  async stop(): Promise<void> {
    await this.jsonrpc?.stop().catch((e: Error) => this.log.err(`jsonrpc: stop failed: ${e.message}`));
    this.jsonrpc = undefined;
    await this.fifo?.stop().catch((e: Error) => this.log.err(`fifo: stop failed: ${e.message}`));
    this.fifo = undefined;
    this.fifoPath = undefined;
    this.transport?.stop();
    for (const m of this.loaded.modules) {
      const st = this.states.get(m.desc.name);
      try {
        await m.desc.destroy?.(st);
      } catch (e) {
        this.log.err(`module ${m.desc.name}: destroy failed: ${(e as Error).message}`);
      }
    }
    this.resolver.close();
  }

  // ---------------------------------------------------------------- receiving

  /** Every message from every transport comes here. Never throws. */
  receive(buf: Buffer, rcv: ReceiveInfo): void {
    let msg: SipMessage;
    try {
      msg = parseMessage(buf, rcv.proto === 'udp' ? 'datagram' : 'stream');
    } catch (e) {
      this.stats.parseErrors++;
      if (e instanceof SipParseError) this.onUnparsable(rcv, e);
      else this.log.err(`BUG: parser threw ${(e as Error).stack ?? e}`);
      return;
    }
    try {
      if (msg.isRequest) this.onRequest(msg, rcv);
      else this.onReply(msg, rcv);
    } catch (e) {
      this.stats.scriptErrors++;
      this.log.err(`processing a message from ${rcv.srcIp}:${rcv.srcPort} failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** A request we cannot even parse gets the status its error owes, if we can still address a reply. */
  private onUnparsable(rcv: ReceiveInfo, err: SipParseError): void {
    this.log.dbg(`dropping unparsable message from ${rcv.srcIp}:${rcv.srcPort}: ${err.message}`);
    const partial = err.partial;
    if (partial && partial.isRequest) this.reject(partial, rcv, err.status, reasonPhrase(err.status));
  }

  /** Answer a request the core refuses, before any script runs; never an ACK (RFC 3261 §17.1.1.3). */
  private reject(msg: SipMessage, rcv: ReceiveInfo, status: number, reason: string, headers?: readonly string[]): void {
    this.stats.rejected++;
    if (msg.method === 'ACK') return;
    const buf = buildReply(msg, status, reason, {
      tags: this.tags,
      headers,
      server: this.cfg.server_signature ? this.serverHeader : undefined,
    });
    this.transport.send({ proto: rcv.proto, ip: rcv.srcIp, port: rcv.srcPort }, buf, rcv.socket, rcv.connection);
  }

  private onRequest(msg: SipMessage, rcv: ReceiveInfo): void {
    this.stats.requests++;
    const rej = checkRequest(msg);
    if (rej) {
      this.log.dbg(`rejecting ${msg.method} from ${rcv.srcIp}:${rcv.srcPort}: ${rej.status} ${rej.reason} (${rej.code})`);
      this.reject(msg, rcv, rej.status, rej.reason, rej.headers);
      return;
    }
    const ctx = new RequestContext(this, msg, rcv);
    fixTopVia(ctx);
    // modules first: tm's transactions take their retransmissions and the ACKs of their replies
    for (const h of this.preScript) if (h.hooks.preScript!(h.state, ctx) === 0) return;
    // An ACK for a reply we sent without state ends here (SER's sl_filter_ACK).
    if (msg.method === 'ACK' && this.tags.isOurs(msg.to.tag)) return;
    const main = this.main;
    if (!main) return;
    const post = this.postScript;
    let r: ReturnType<StmtFn>;
    try {
      r = main(ctx);
    } catch (e) {
      for (const h of post) h.hooks.postScript!(h.state, ctx);
      throw e;
    }
    if (typeof r === 'number') {
      for (const h of post) h.hooks.postScript!(h.state, ctx);
      return;
    }
    r.catch((e: unknown) => {
      this.stats.scriptErrors++;
      this.log.err(`script failed on ${msg.method} from ${rcv.srcIp}:${rcv.srcPort}: ${(e as Error).stack ?? e}`);
    }).finally(() => {
      for (const h of post) h.hooks.postScript!(h.state, ctx);
    });
  }

  /** SER's forward_reply: a response goes to the next Via once ours is removed (RFC 3261 §16.7, §18.2.2). */
  private onReply(msg: SipMessage, rcv: ReceiveInfo): void {
    this.stats.responses++;
    if (!checkResponse(msg)) {
      this.stats.droppedResponses++;
      return;
    }
    for (const h of this.onResponse) if (h.hooks.onResponse!(h.state, msg, rcv)) return;
    const vias = msg.vias;
    const v1 = vias[0]!;
    // RFC 3261 §18.1.2: a response whose top Via is not ours is discarded
    if (!this.myself.isMyself(v1.host, v1.port)) {
      this.stats.droppedResponses++;
      this.log.dbg(`dropping a response whose top Via (${v1.host}) is not ours`);
      return;
    }
    const v2 = vias[1];
    if (!v2) {
      this.stats.droppedResponses++;
      this.log.dbg('dropping a response with only our Via');
      return;
    }
    const hop = responseHop(v2);
    const proto = hop.transport === 'udp' ? 'udp' : hop.transport === 'tcp' ? 'tcp' : undefined;
    if (!proto) {
      this.stats.droppedResponses++;
      this.log.warn(`cannot forward a response over ${hop.transport}`);
      return;
    }
    const out = stripFirstVia(msg);
    const send = (t: Target) => {
      if (this.transport.send({ proto, ip: t.ip, port: t.port }, out)) this.stats.fwdResponses++;
      else this.log.err(`could not forward a response to ${proto}:${t.ip}:${t.port}`);
    };
    const dest = this.resolver.nextHop(hop.host, hop.port, proto);
    if (!(dest instanceof Promise)) send(dest);
    else dest.then(send, (e: Error) => this.log.err(`response: cannot resolve '${hop.host}': ${e.message}`));
  }

  // ---------------------------------------------------------------- replying (Core)

  sendReply(ctx: RequestContext, buf: Buffer): boolean | Promise<boolean> {
    const rcv = ctx.rcv;
    if (!this.cfg.reply_to_via || rcv.proto === 'tcp') {
      // SER's default: back to where the request came from; over TCP, on its connection
      return this.transport.send({ proto: rcv.proto, ip: rcv.srcIp, port: rcv.srcPort }, buf, rcv.socket, rcv.connection);
    }
    const hop = responseHop(ctx.msg.via1);
    const send = (t: Target) => this.transport.send({ proto: rcv.proto, ip: t.ip, port: t.port }, buf, rcv.socket);
    const dest = this.resolver.nextHop(hop.host, hop.port, rcv.proto);
    return dest instanceof Promise ? dest.then(send, () => false) : send(dest);
  }

  reply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): boolean | Promise<boolean> {
    if (ctx.msg.method === 'ACK') return false;
    return this.sendReply(ctx, this.buildReply(ctx, status, reason, headers));
  }

  buildReply(ctx: RequestContext, status: number, reason: string, headers?: readonly string[]): Buffer {
    // the script's reply lines (append_to_reply) follow the caller's own, as SER's reply lumps
    // followed what build_res_buf_from_sip_req added first
    const extra = ctx.replyHeaders.length === 0 ? headers : headers ? [...headers, ...ctx.replyHeaders] : ctx.replyHeaders;
    return buildReply(ctx.msg, status, reason, {
      tags: this.tags,
      headers: extra,
      server: this.cfg.server_signature ? this.serverHeader : undefined,
      warning: this.cfg.sip_warning ? this.warning(ctx) : undefined,
      viaEdits: replyViaEdits(ctx),
    });
  }

  scriptRoute(kind: 'request' | 'failure', index: number): StmtFn | undefined {
    return this.script?.route(kind, index);
  }

  /** SER's sip_warning header (admin guide Example 3-1). */
  private warning(ctx: RequestContext): string {
    let viaCount = 0;
    try {
      viaCount = ctx.msg.vias.length;
    } catch {
      // counted as 0 if the Vias do not parse
    }
    return (
      `Warning: 392 ${ctx.rcv.socket.hostport} "Noisy feedback tells: pid=${process.pid} req_src_ip=${ctx.rcv.srcIp}` +
      ` in_uri=${ctx.msg.ruri} out_uri=${ctx.currentUri} via_cnt==${viaCount}"`
    );
  }
}

/** The edits a local reply's copy of the top Via gets: received and rport, not the script's. */
function replyViaEdits(ctx: RequestContext): EditList | undefined {
  // nothing edited, nothing to add: the received Vias as they are
  if (ctx.edits.size === 0) return undefined;
  const edits = new EditList();
  fixTopVia(ctx, edits);
  return edits;
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4: note in the top Via where the request really came from,
 * `received` when the sent-by is not the source address (or rport asks for it), and the
 * source port in an empty `rport`. Over TCP both are always written: a stateless proxy has no
 * transaction to remember the connection by, so the response finds it again through them
 * (RFC 3261 §18.2.2 wants the response on that connection). Recorded as edits: in the
 * request's own list for the forwarded copy, and in a list of their own for a local reply,
 * whose Vias are the received ones with these two alone (RFC 3261 §8.2.6.2; SER's
 * build_res_buf_from_sip_req copied the received bytes, not the script's changes).
 */
export function fixTopVia(ctx: RequestContext, edits: EditList = ctx.edits): void {
  const v = ctx.msg.via1;
  const src = ctx.rcv.srcIp;
  const stream = ctx.rcv.proto === 'tcp';
  const host = v.host.startsWith('[') ? v.host.slice(1, -1) : v.host;
  const rportEmpty = v.rport === null;
  const needReceived = stream || rportEmpty || normalizeIp(host) !== src;
  let rcvdDone = false;
  let rportDone = false;
  for (const p of v.params) {
    if (p.name === 'received' && needReceived) {
      edits.replace(p.start, p.end, `received=${src}`);
      rcvdDone = true;
    } else if (p.name === 'rport' && (p.value === null || stream)) {
      edits.replace(p.start, p.end, `rport=${ctx.rcv.srcPort}`);
      rportDone = true;
    }
  }
  if (stream && !rportDone) edits.insert(v.end, `;rport=${ctx.rcv.srcPort}`);
  if (needReceived && !rcvdDone) edits.insert(v.end, `;received=${src}`);
}
