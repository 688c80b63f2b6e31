import { normalizeIp } from '../util/ip.js';
import { facilityCode } from '../util/logger.js';
import type { Assign, Value } from './ast.js';
import { ConfigError } from './config-error.js';
import type { CoreConfig, ListenSpec } from './core-config.js';
import { suggest } from '../util/suggest.js';
import { boolOf, intOf, text } from './values.js';

// The global options of SER's §6.1 (and the later ones SER/Kamailio users write), applied to a
// CoreConfig. Each option says what it takes; a wrong value is a config error at its place.

type Setter = (cfg: CoreConfig, a: Assign) => void;

function err(v: Value | Assign, message: string, hint?: string): ConfigError {
  return new ConfigError(message, v.loc, hint);
}

function single(a: Assign): Value {
  if (a.values.length !== 1) throw err(a, `'${a.name}' takes one value, not ${a.values.length}`);
  return a.values[0]!;
}

function bool(key: keyof CoreConfig): Setter {
  return (cfg, a) => {
    const v = single(a);
    const b = boolOf(v);
    if (b === undefined) throw err(v, `'${a.name}' must be yes or no, not '${text(v)}'`, 'use yes/no (or on/off, true/false, 1/0)');
    (cfg as unknown as Record<string, unknown>)[key] = b;
  };
}

function int(key: keyof CoreConfig, min: number, max: number, octal = false): Setter {
  return (cfg, a) => {
    const v = single(a);
    const t = text(v).trim();
    // fifo_mode=0666 means what it means in C: octal
    const n = octal && /^0[0-7]+$/.test(t) ? parseInt(t, 8) : intOf(v);
    if (n === undefined) throw err(v, `'${a.name}' must be a number, not '${t}'`);
    if (n < min || n > max) throw err(v, `'${a.name}' must be between ${min} and ${max}, not ${n}`);
    (cfg as unknown as Record<string, unknown>)[key] = n;
  };
}

function str(key: keyof CoreConfig): Setter {
  return (cfg, a) => {
    (cfg as unknown as Record<string, unknown>)[key] = text(single(a));
  };
}

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

/**
 * Digits and dots that are not an IPv4 address (999.1.1.1, 10.0.0): a typing error, not a name
 * to resolve, since a host name never has the dotted-decimal form (RFC 1123 §2.1).
 */
function badDottedQuad(host: string): boolean {
  return /^[0-9.]+$/.test(host) && !normalizeIp(host);
}

/** `[proto:]host[:port]` with host an IPv4 address, an IPv6 address (bracketed if a port follows) or a name. */
export function parseListen(t: string): ListenSpec | string {
  let rest = t.trim();
  let proto: ListenSpec['proto'];
  const m = /^(udp|tcp|tls|sctp|ws|wss):/i.exec(rest);
  if (m) {
    const p = m[1]!.toLowerCase();
    if (p !== 'udp' && p !== 'tcp') return `the ${p} transport is not supported (use udp or tcp)`;
    proto = p;
    rest = rest.slice(m[0].length);
  }
  // a bare IPv6 address (no brackets, hence no port)
  const v6 = normalizeIp(rest);
  if (v6 && rest.includes(':')) return { proto, host: v6 };
  let host = rest;
  let port: number | undefined;
  const hp = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(rest);
  if (!hp) return `'${t}' is not [proto:]address[:port]`;
  host = hp[1]!;
  if (hp[2] !== undefined) {
    port = Number(hp[2]);
    if (port < 1 || port > 65535) return `bad port ${hp[2]} in '${t}'`;
  }
  if (host.startsWith('[')) {
    const ip = normalizeIp(host.slice(1, -1));
    if (!ip) return `'${host}' is not an IPv6 address`;
    host = ip;
  } else if (host !== '*' && !normalizeIp(host) && !HOST_RE.test(host)) {
    return `'${host}' is not an address or a host name`;
  } else if (badDottedQuad(host)) {
    return `'${host}' is not an IPv4 address: four numbers 0-255`;
  }
  return { proto, host: normalizeIp(host) ?? host.toLowerCase(), port };
}

// §6.1: "port ... applies to the last address specified in listen and to all the following that
// do not have a corresponding port option". So `port=` sets the last listen entry's port (unless
// the address named one), and becomes the port of later entries until another `port=`; entries
// before any `port` keep 5060 (filled in by finishListen).
const portSoFar = new WeakMap<CoreConfig, number>();

const listen: Setter = (cfg, a) => {
  if (a.values.length === 0) throw err(a, "'listen' needs an address");
  for (const v of a.values) {
    const spec = parseListen(text(v));
    if (typeof spec === 'string') throw err(v, spec, 'e.g. listen=192.168.2.16, listen=udp:10.0.0.1:5060, listen=[::1]:5060');
    spec.portGiven = spec.port !== undefined;
    spec.port ??= portSoFar.get(cfg);
    cfg.listen.push(spec);
  }
};

const port: Setter = (cfg, a) => {
  int('port', 1, 65535)(cfg, a);
  portSoFar.set(cfg, cfg.port);
  const last = cfg.listen[cfg.listen.length - 1];
  if (last && !last.portGiven) last.port = cfg.port;
};

/** Give listen entries that never got a port SER's default, 5060. */
export function finishListen(cfg: CoreConfig): void {
  for (const l of cfg.listen) l.port ??= 5060;
}

const alias: Setter = (cfg, a) => {
  if (a.values.length === 0) throw err(a, "'alias' needs a host name");
  for (const v of a.values) {
    const t = text(v).trim();
    const hp = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(t);
    const bareV6 = normalizeIp(t);
    if (bareV6 && t.includes(':')) {
      cfg.alias.push({ host: bareV6 });
      continue;
    }
    if (!hp) throw err(v, `'${t}' is not host[:port]`);
    const host = hp[1]!;
    if (!HOST_RE.test(host) && !normalizeIp(host.replace(/^\[|\]$/g, ''))) throw err(v, `'${host}' is not a host name or address`);
    if (badDottedQuad(host)) throw err(v, `'${host}' is not an IPv4 address: four numbers 0-255`);
    const p = hp[2] !== undefined ? Number(hp[2]) : undefined;
    if (p !== undefined && (p < 1 || p > 65535)) throw err(v, `bad port in '${t}'`);
    cfg.alias.push({ host, port: p });
  }
};

const facility: Setter = (cfg, a) => {
  const v = single(a);
  const t = text(v).toUpperCase();
  if (facilityCode(t) === undefined) throw err(v, `unknown syslog facility '${text(v)}'`, 'e.g. LOG_DAEMON, LOG_LOCAL0 ... LOG_LOCAL7');
  cfg.log_facility = t;
};

/** `host:port`, `[v6]:port` or a bare port (loopback). */
export function parseJsonRpcListen(t: string): { host: string; port: number } | string {
  const s = t.trim();
  const m = /^(?:(\[[^\]]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(s);
  if (!m) return `'${t}' is not host:port (e.g. 127.0.0.1:5065)`;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `bad port in '${t}'`;
  let host = m[1] ?? '127.0.0.1';
  if (host.startsWith('[')) {
    const ip = normalizeIp(host.slice(1, -1));
    if (!ip) return `'${host}' is not an IPv6 address`;
    host = ip;
  }
  return { host, port };
}

const jsonrpcListen: Setter = (cfg, a) => {
  const v = single(a);
  const t = text(v).trim();
  if (t !== '') {
    const l = parseJsonRpcListen(t);
    if (typeof l === 'string') throw err(v, l, 'e.g. jsonrpc_listen="127.0.0.1:5065"');
  }
  cfg.jsonrpc_listen = t;
};

export interface OptionInfo {
  set: Setter;
  doc: string;
  /** true when the option is accepted for compatibility but has no effect */
  inert?: boolean;
}

export const CORE_OPTIONS: Record<string, OptionInfo> = {
  debug: { set: int('debug', -3, 9), doc: 'log level 0..9: messages with a level <= debug are logged (cmd line: -d)' },
  fork: { set: bool('fork'), doc: 'yes (default): go to the background like a daemon, unless -D; no: stay in the foreground' },
  log_stderror: { set: bool('log_stderror'), doc: 'yes: log to standard error instead of syslog (cmd line: -E)' },
  log_facility: { set: facility, doc: 'syslog facility, e.g. LOG_DAEMON (default), LOG_LOCAL0' },
  listen: { set: listen, doc: 'address to listen on: [udp:|tcp:]ip-or-name[:port]; repeat for several (cmd line: -l)' },
  alias: { set: alias, doc: 'another name (host[:port]) that uri==myself recognises' },
  port: { set: port, doc: 'port for the last listen address and the following ones without a port (default 5060, cmd line: -p)' },
  dns: { set: bool('dns'), doc: 'accepted; received= is added whenever the Via host is not the source IP (no DNS in the receive path)', inert: true },
  rev_dns: { set: bool('rev_dns'), doc: 'accepted; reverse DNS is not used in the receive path', inert: true },
  maxbuffer: { set: int('maxbuffer', 0, 64 * 1024 * 1024), doc: 'largest UDP receive buffer (SO_RCVBUF) to ask for, in bytes (cmd line: -b)' },
  children: { set: int('children', 1, 256), doc: "accepted; SER's blocking children are replaced by one non-blocking event loop (cmd line: -n); see docs/architecture.md", inert: true },
  workers: { set: int('workers', 1, 256), doc: 'processes serving the same sockets (default 1); see docs/architecture.md for when more pay off' },
  check_via: { set: bool('check_via'), doc: 'accepted; a response whose top Via is not ours is always dropped (RFC 3261 §18.1.2)', inert: true },
  syn_branch: { set: bool('syn_branch'), doc: 'accepted; stateless branches are always computed from the request (RFC 3261 §16.11)', inert: true },
  memlog: { set: int('memlog', -3, 9), doc: 'accepted; there is no memory report (no manual memory management)', inert: true },
  sip_warning: { set: bool('sip_warning'), doc: 'add a Warning: 392 header with debugging details to local replies (default yes)' },
  fifo: { set: str('fifo'), doc: 'FIFO file of the management interface, e.g. "/tmp/ser_fifo" (default none: off; cmd line: -i)' },
  fifo_mode: { set: int('fifo_mode', 0, 0o7777, true), doc: 'permissions of the FIFO file, octal (default 0620)' },
  jsonrpc_listen: { set: jsonrpcListen, doc: 'host:port (or a port, on 127.0.0.1) to serve the management commands as JSON-RPC 2.0 over HTTP (default none: off)' },
  jsonrpc_socket: { set: str('jsonrpc_socket'), doc: 'unix socket file to serve JSON-RPC over HTTP on, mode 0660 (default none: off)' },
  jsonrpc_token: { set: str('jsonrpc_token'), doc: 'bearer token every JSON-RPC request must carry (Authorization: Bearer ...; default none)' },
  server_signature: { set: bool('server_signature'), doc: 'add a Server: header to local replies (default yes)' },
  reply_to_via: { set: bool('reply_to_via'), doc: 'send local replies to the top Via instead of the source address (default no)' },
  user: { set: str('user'), doc: 'user to run as when started as root (cmd line: -u)' },
  uid: { set: str('user'), doc: 'same as user' },
  group: { set: str('group'), doc: 'group to run as when started as root (cmd line: -g)' },
  gid: { set: str('group'), doc: 'same as group' },
  mhomed: { set: bool('mhomed'), doc: 'accepted; the outgoing socket is the one matching protocol and address family, preferring the receiving one', inert: true },
  chroot: { set: str('chroot'), doc: 'accepted; Node.js cannot chroot itself (cmd line: -t)', inert: true },
  workdir: { set: str('workdir'), doc: 'working directory (cmd line: -w)' },
  wdir: { set: str('workdir'), doc: 'same as workdir' },
  advertised_address: { set: str('advertised_address'), doc: 'address to put in our Via instead of the listening one (NAT)' },
  advertised_port: { set: int('advertised_port', 1, 65535), doc: 'port to put in our Via instead of the listening one' },
  disable_tcp: { set: bool('disable_tcp'), doc: 'yes: listen on UDP only' },
  tcp_children: { set: int('tcp_children', 0, 256), doc: 'accepted; TCP is served by the same event loop as UDP', inert: true },
  tcp_connection_lifetime: { set: int('tcp_connection_lifetime', 1, 86400), doc: 'seconds an idle TCP connection stays open (default 120)' },
  tcp_connect_timeout: { set: int('tcp_connect_timeout', 1, 600), doc: 'seconds to wait for an outgoing TCP connection (default 10)' },
  tcp_send_timeout: { set: int('tcp_send_timeout', 1, 600), doc: 'accepted; writes are buffered by the OS', inert: true },
  tcp_read_timeout: { set: int('tcp_read_timeout', 1, 600), doc: 'seconds a started TCP message may take to arrive in full (default 10)' },
  tcp_max_connections: { set: int('tcp_max_connections', 1, 1_000_000), doc: 'most TCP connections open at once (default 2048)' },
  max_msg_size: { set: int('max_msg_size', 512, 65535), doc: 'largest SIP message accepted, in bytes (default 65535); larger UDP datagrams are dropped, larger TCP messages close the connection' },
  auto_aliases: { set: bool('auto_aliases'), doc: 'add the reverse-DNS names of the listen addresses to myself (default yes)' },
  pid_file: { set: str('pid_file'), doc: 'file to write the main process id into (cmd line: -P)' },
};

export function applyOption(cfg: CoreConfig, a: Assign): void {
  const opt = CORE_OPTIONS[a.name];
  if (!opt) {
    const near = suggest(a.name, Object.keys(CORE_OPTIONS));
    throw new ConfigError(`unknown option '${a.name}'`, a.loc, near ? `did you mean '${near}'?` : 'see docs/configuration.md for the core options');
  }
  opt.set(cfg, a);
}
