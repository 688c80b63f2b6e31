import { normalizeIp } from '../util/ip.js';
import type { SocketInfo } from './transport/socket-info.js';

/**
 * Who "myself" is (SER's check_self): the addresses and names we listen on, with their ports,
 * and every `alias` (any port unless the alias names one). Host names compare
 * case-insensitively, IP addresses by value (so [::1] == ::1 == 0:0::1).
 */
export class Myself {
  /** host key -> ports it is ours on; 0 means any port */
  private readonly hosts = new Map<string, Set<number>>();
  private readonly addresses = new Set<string>();
  private readonly names: string[] = [];
  /** further sources of names that are ours on any port (the domain module's table) */
  private readonly hostChecks: ((host: string) => boolean)[] = [];

  constructor(sockets: readonly SocketInfo[]) {
    for (const s of sockets) {
      this.addresses.add(s.address);
      this.add(s.address, s.port);
      this.add(s.name, s.port);
      if (s.viaHost !== s.address) this.add(s.viaHost, s.viaPort);
    }
  }

  private static key(host: string): string {
    const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    return normalizeIp(h) ?? h.toLowerCase();
  }

  /** Add a name (alias or auto-alias); port undefined or 0 = any port. */
  add(host: string, port?: number): void {
    const k = Myself.key(host);
    let ports = this.hosts.get(k);
    if (!ports) {
      ports = new Set();
      this.hosts.set(k, ports);
    }
    const p = port ?? 0;
    if (!ports.has(p)) {
      ports.add(p);
      this.names.push(p ? `${host}:${p}` : host);
    }
  }

  /** `uri==myself`: host and port (default 5060, 5061 for sips) name this server. */
  isMyself(host: string, port: number | undefined, secure = false): boolean {
    const ports = this.hosts.get(Myself.key(host));
    if (ports && (ports.has(0) || ports.has(port ?? (secure ? 5061 : 5060)))) return true;
    for (const check of this.hostChecks) if (check(host)) return true;
    return false;
  }

  /**
   * Another source of our names, asked (synchronously, on every `isMyself` the names above do
   * not answer) with the host as written in the URI or Via; a host it accepts is ours on any
   * port. The domain module adds its cached domain table (db_mode 1).
   */
  addHostCheck(check: (host: string) => boolean): void {
    this.hostChecks.push(check);
  }

  /** `src_ip==myself`: one of the addresses we listen on. */
  isMyAddress(ip: string): boolean {
    return this.addresses.has(normalizeIp(ip) ?? ip);
  }

  /** Every name and address:port, for the start-up banner. */
  list(): readonly string[] {
    return this.names;
  }
}
