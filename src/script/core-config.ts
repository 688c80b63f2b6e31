import type { Proto } from '../sip/transport/socket-info.js';

/** An address to listen on, from `listen=` or `-l` (SER §6.1, §6.3). */
export interface ListenSpec {
  /** undefined: both UDP and TCP */
  proto?: Proto;
  /** an IP literal (no brackets) or a host name to resolve at start-up */
  host: string;
  /** undefined until the `port` rules of §6.1 give it one */
  port?: number;
  /** true when the address itself named the port (`listen=1.2.3.4:5070`): `port=` leaves it */
  portGiven?: boolean;
}

export interface AliasSpec {
  host: string;
  /** undefined: any port */
  port?: number;
}

/** The global options of SER's §6.1 (and a few later SER/Kamailio ones), with their defaults. */
export interface CoreConfig {
  debug: number;
  fork: boolean;
  log_stderror: boolean;
  log_facility: string;
  listen: ListenSpec[];
  alias: AliasSpec[];
  /** the default port: for listen entries without one, and for the interface list */
  port: number;
  dns: boolean;
  rev_dns: boolean;
  maxbuffer: number;
  children: number;
  workers: number;
  check_via: boolean;
  syn_branch: boolean;
  memlog: number;
  sip_warning: boolean;
  fifo: string;
  fifo_mode: number;
  /** JSON-RPC over HTTP: host:port ('' : off) */
  jsonrpc_listen: string;
  /** JSON-RPC over HTTP on a unix socket ('' : off) */
  jsonrpc_socket: string;
  /** bearer token JSON-RPC requests must carry ('' : none) */
  jsonrpc_token: string;
  server_signature: boolean;
  reply_to_via: boolean;
  user: string;
  group: string;
  mhomed: boolean;
  chroot: string;
  workdir: string;
  advertised_address: string;
  advertised_port: number;
  disable_tcp: boolean;
  tcp_children: number;
  tcp_connection_lifetime: number;
  tcp_connect_timeout: number;
  tcp_send_timeout: number;
  tcp_read_timeout: number;
  tcp_max_connections: number;
  max_msg_size: number;
  auto_aliases: boolean;
  pid_file: string;
}

export function defaultCoreConfig(): CoreConfig {
  return {
    debug: 0,
    fork: true,
    log_stderror: false,
    log_facility: 'LOG_DAEMON',
    listen: [],
    alias: [],
    port: 5060,
    dns: false,
    rev_dns: false,
    maxbuffer: 256 * 1024,
    children: 8,
    workers: 1,
    check_via: false,
    syn_branch: true,
    memlog: 4,
    sip_warning: true,
    fifo: '',
    fifo_mode: 0o620,
    jsonrpc_listen: '',
    jsonrpc_socket: '',
    jsonrpc_token: '',
    server_signature: true,
    reply_to_via: false,
    user: '',
    group: '',
    mhomed: false,
    chroot: '',
    workdir: '',
    advertised_address: '',
    advertised_port: 0,
    disable_tcp: false,
    tcp_children: 0,
    tcp_connection_lifetime: 120,
    tcp_connect_timeout: 10,
    tcp_send_timeout: 10,
    tcp_read_timeout: 10,
    tcp_max_connections: 2048,
    max_msg_size: 65535,
    auto_aliases: true,
    pid_file: '',
  };
}

/** SER's BUF_SIZE, which `len_gt(max_len)` compares with (§6.2: "3040 by default"). */
export const MAX_LEN = 3040;
/** Most URIs a destination set may hold (SER's MAX_BRANCHES). */
export const MAX_BRANCHES = 12;
/** Deepest route(n) nesting before the script gives up (SER's ROUTE_MAX_REC_LEV). */
export const ROUTE_MAX_REC_LEV = 100;
/** Script flags are numbered 0..MAX_FLAG (SER's flags.h). */
export const MAX_FLAG = 31;
