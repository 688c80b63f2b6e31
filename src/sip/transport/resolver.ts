// Asynchronous next-hop resolution for SIP (RFC 3263 §4.2 basics: SRV, then A/AAAA).
//
// SER 0.8 called gethostbyname()/res_search() synchronously from its worker processes; here one
// event loop serves every message, so a lookup must never block: queries go through c-ares
// (node:dns Resolver, its own sockets) and never through dns.lookup()/getaddrinfo, which would
// occupy libuv's small thread pool. The hosts file that getaddrinfo would have consulted is read
// by HostsFile. Answers are cached by TTL, failures negatively cached, and concurrent requests
// for the same record share one query.

import { promises as dnsPromises } from 'node:dns';
import { ipFamily, normalizeIp } from '../../util/ip.js';
import { HostsFile } from './hosts-file.js';

export type TransportName = 'udp' | 'tcp' | 'tls';

export interface Target {
  ip: string;
  port: number;
  family: 4 | 6;
  transport: TransportName;
}

/**
 * Why a resolution failed. code is 'ENOTFOUND' (no such name or no records), 'ETIMEOUT',
 * 'EBADNAME' (not a syntactically valid host name), 'EBADPORT', 'ECANCELLED' (the resolver was
 * closed), or a c-ares code passed through ('ESERVFAIL', 'EREFUSED', 'ECONNREFUSED', ...).
 */
export class ResolveError extends Error {
  readonly code: 'ENOTFOUND' | 'ETIMEOUT' | 'EBADNAME' | string;
  readonly hostname: string;
  constructor(code: string, hostname: string, message?: string) {
    super(message ?? `${code} ${hostname}`);
    this.name = 'ResolveError';
    this.code = code;
    this.hostname = hostname;
  }
}

export interface ResolverOptions {
  /** DNS servers ('127.0.0.1:5353', '[::1]:53', '10.0.0.1'); default: the system's (/etc/resolv.conf) */
  servers?: string[];
  /** hosts(5) file consulted before DNS, re-read when it changes (checked at most once per
   *  second); default '/etc/hosts', '' to disable */
  hostsFile?: string;
  /** per query attempt, default 2000; a query gives up after timeoutMs * tries */
  timeoutMs?: number;
  /** attempts per query, default 2 */
  tries?: number;
  /** default 10000; when full, the oldest entry is evicted */
  maxCacheEntries?: number;
  /** record TTLs are clamped to [minTtlSec, maxTtlSec]; defaults 0 and 86400 */
  minTtlSec?: number;
  maxTtlSec?: number;
  /** how long failures (NXDOMAIN, no data, timeouts, server failures) are cached, default 30 */
  negativeTtlSec?: number;
  /** TTL for answers whose TTL node:dns does not report (SRV, PTR), default 300, then clamped */
  defaultTtlSec?: number;
  /** default false: A before AAAA */
  preferIPv6?: boolean;
  /** default true; false skips AAAA queries (e.g. when no IPv6 socket is configured) */
  ipv6?: boolean;
  /** clock in ms for cache expiry and the hosts-file check (tests use a fake clock) */
  now?: () => number;
  /** uniform in [0, 1), for the RFC 2782 weighted choice; default Math.random */
  random?: () => number;
}

export interface ResolverStats {
  /** DNS queries sent (cache misses not served by another in-flight query) */
  queries: number;
  /** answers (positive or negative) served from the cache */
  cacheHits: number;
  /** requests that joined an identical in-flight query */
  coalesced: number;
  /** names answered by the hosts file */
  hostsHits: number;
  /** DNS queries that failed, timeouts included */
  failures: number;
  /** DNS queries that timed out */
  timeouts: number;
  /** DNS queries outstanding now */
  inflight: number;
  /** sum and maximum of DNS query latency in ms (average = totalMs / queries once settled) */
  totalMs: number;
  maxMs: number;
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

type RecordType = 'A' | 'AAAA' | 'SRV' | 'PTR';

interface CacheEntry {
  expires: number;
  value: unknown;
  /** set for a negative entry */
  code: string | undefined;
}

interface Addresses {
  v4: string[];
  v6: string[];
}

const TIMEOUT_CODES = new Set(['ETIMEOUT', 'ETIMEDOUT']);
// Errors that say nothing about the name and must not be cached.
const UNCACHEABLE = new Set(['ECANCELLED', 'EBADNAME', 'EDESTRUCTION', 'ENOMEM', 'EBADQUERY', 'EBADFAMILY']);

/**
 * Canonical host name: lower-case (RFC 4343: DNS names are case-insensitive), no trailing dot;
 * undefined unless it matches RFC 3261 §25.1
 *   hostname = *( domainlabel "." ) toplabel [ "." ]
 *   domainlabel = alphanum / alphanum *( alphanum / "-" ) alphanum
 *   toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
 * within DNS limits (RFC 1035 §2.3.4: labels of 63 octets, names of 255 octets on the wire,
 * i.e. 253 characters of text).
 */
export function normalizeHostName(host: string): string | undefined {
  let end = host.length;
  if (end > 0 && host.charCodeAt(end - 1) === 46) end--;
  if (end === 0 || end > 253) return undefined;
  let labelStart = 0;
  for (let i = 0; i <= end; i++) {
    const c = i < end ? host.charCodeAt(i) : 46;
    if (c === 46) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return undefined;
      if (host.charCodeAt(i - 1) === 45) return undefined; // ends with '-'
      if (i === end) {
        // RFC 3261 §25.1 toplabel starts with a letter: this is also what tells '1.2.3' or
        // '01.2.3.4' (not IP literals) apart from names.
        const f = host.charCodeAt(labelStart) | 0x20;
        if (f < 97 || f > 122) return undefined;
      }
      labelStart = i + 1;
      continue;
    }
    const isAlnum = (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122);
    if (isAlnum) continue;
    if (c === 45 && i > labelStart) continue; // '-' not first in a label
    return undefined;
  }
  return host.slice(0, end).toLowerCase();
}

function errorCode(err: unknown): string {
  if (err instanceof ResolveError) return err.code;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/**
 * One code for a failed name resolution made of several queries (A and AAAA, or several SRV
 * targets): a definite "no such name" wins, then a timeout (we could not find out), then "no
 * records" (reported as ENOTFOUND), then whatever the servers said.
 */
function combineCodes(codes: string[]): string {
  if (codes.includes('ENOTFOUND')) return 'ENOTFOUND';
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return 'ETIMEOUT';
  if (codes.includes('ECANCELLED')) return 'ECANCELLED';
  const other = codes.find((c) => c !== 'ENODATA');
  return other ?? 'ENOTFOUND';
}

/**
 * RFC 2782 "Usage rules": lowest priority first; within a priority, repeatedly pick a record
 * with probability proportional to its weight: zero-weight records are placed first, a
 * random number in [0, sum of weights] is chosen, and the first record whose running sum is
 * >= that number is taken next.
 * The draw 0 exists so that zero-weight records get "a very small chance of being selected";
 * when no zero-weight record is left we draw from [1, sum] instead, otherwise the first
 * record would get weight + 1 shares (weights 1 and 3 would split 2:3 instead of 1:3).
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) {
    let group = byPriority.get(r.priority);
    if (!group) byPriority.set(r.priority, (group = []));
    group.push(r);
  }
  const out: SrvRecord[] = [];
  for (const prio of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(prio)!;
    const list = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight > 0)];
    while (list.length > 0) {
      let sum = 0;
      for (const r of list) sum += r.weight;
      const lo = sum === 0 || list[0]!.weight === 0 ? 0 : 1;
      const pick = Math.min(sum, lo + Math.floor(random() * (sum + 1 - lo)));
      let running = 0;
      let k = 0;
      for (; k < list.length - 1; k++) {
        running += list[k]!.weight;
        if (running >= pick) break;
      }
      out.push(list.splice(k, 1)[0]!);
    }
  }
  return out;
}

export class Resolver {
  readonly stats: ResolverStats = {
    queries: 0,
    cacheHits: 0,
    coalesced: 0,
    hostsHits: 0,
    failures: 0,
    timeouts: 0,
    inflight: 0,
    totalMs: 0,
    maxMs: 0,
  };

  private readonly dns: dnsPromises.Resolver;
  private readonly hosts: HostsFile;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly deadlineMs: number;
  private readonly maxEntries: number;
  private readonly minTtl: number;
  private readonly maxTtl: number;
  private readonly negativeTtl: number;
  private readonly defaultTtl: number;
  private readonly preferIPv6: boolean;
  private readonly ipv6: boolean;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflightQueries = new Map<string, Promise<unknown>>();
  private readonly pending = new Set<(err: ResolveError) => void>();
  private closed = false;

  constructor(opts: ResolverOptions = {}) {
    const timeout = Math.max(1, Math.floor(opts.timeoutMs ?? 2000));
    const tries = Math.max(1, Math.floor(opts.tries ?? 2));
    // c-ares doubles its timeout on each retry and has a floor of a few hundred ms, so its own
    // give-up time is not "timeoutMs per attempt"; our deadline enforces that bound and c-ares'
    // (later) one only cleans up.
    this.deadlineMs = timeout * tries;
    this.dns = new dnsPromises.Resolver({ timeout, tries });
    if (opts.servers && opts.servers.length > 0) {
      try {
        this.dns.setServers(opts.servers);
      } catch (err) {
        throw new TypeError(`invalid DNS server list ${JSON.stringify(opts.servers)}: ${(err as Error).message}`);
      }
    }
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.hosts = new HostsFile(opts.hostsFile ?? '/etc/hosts', this.now, 1000);
    this.maxEntries = Math.max(0, opts.maxCacheEntries ?? 10000);
    this.minTtl = Math.max(0, opts.minTtlSec ?? 0);
    this.maxTtl = Math.max(this.minTtl, opts.maxTtlSec ?? 86400);
    this.negativeTtl = Math.max(0, opts.negativeTtlSec ?? 30);
    this.defaultTtl = opts.defaultTtlSec ?? 300;
    this.preferIPv6 = opts.preferIPv6 ?? false;
    this.ipv6 = opts.ipv6 ?? true;
  }

  /**
   * RFC 3263 §4.2: an IP literal is the target itself (no DNS). With an explicit port, only
   * A/AAAA. Without one, SRV `_sip._udp`/`_sip._tcp`/`_sips._tcp` ordered per RFC 2782, each
   * target resolved to A/AAAA; without SRV records, A/AAAA of the host with 5060 (5061 secure).
   * A port of 0 means "no port" (SER's convention for an absent URI port).
   * Rejects with ResolveError; never throws synchronously.
   */
  async resolve(host: string, port: number | undefined, transport: TransportName, secure = false): Promise<Target[]> {
    if (this.closed) throw new ResolveError('ECANCELLED', host, 'resolver closed');
    // RFC 3263 §4.1: SIPS runs over TLS; a 'tls' transport is itself secure.
    const sec = secure || transport === 'tls';
    const tp: TransportName = sec ? 'tls' : transport;
    const defaultPort = sec ? 5061 : 5060;
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
      throw new ResolveError('EBADPORT', host, `invalid port ${port} for ${host}`);
    }
    const explicitPort = port === undefined || port === 0 ? undefined : port;

    // RFC 3263 §4.2: "If TARGET is a numeric IP address, the client uses that address."
    if (typeof host !== 'string') throw new ResolveError('EBADNAME', String(host), 'host name is not a string');
    const fam = ipFamily(host);
    if (fam !== 0) {
      return [{ ip: normalizeIp(host)!, port: explicitPort ?? defaultPort, family: fam, transport: tp }];
    }
    const name = normalizeHostName(host);
    if (name === undefined) throw new ResolveError('EBADNAME', host, `invalid host name ${JSON.stringify(host)}`);

    // RFC 3263 §4.2: "If the TARGET was not a numeric IP address, but a port is present in the
    // URI, the client performs an A or AAAA record lookup of the domain name."
    if (explicitPort !== undefined) {
      return this.toTargets(await this.addresses(name), explicitPort, tp);
    }

    // A name pinned in the hosts file is used as is: the file cannot express SRV, and asking
    // DNS about a name the administrator defined locally would leak it and could time out.
    const pinned = await this.fromHosts(name);
    if (pinned) return this.toTargets(pinned, defaultPort, tp);

    // RFC 3263 §4.2: "If no port is present, the client performs an SRV query" for
    // _sips._tcp (SIPS), _sip._tcp or _sip._udp.
    const service = sec ? '_sips._tcp' : tp === 'tcp' ? '_sip._tcp' : '_sip._udp';
    let srv: SrvRecord[] | undefined;
    try {
      srv = await this.srv(`${service}.${name}`);
    } catch (err) {
      if (errorCode(err) === 'ECANCELLED') throw err;
      // RFC 3263 §4.2: "If no SRV records were found, the client performs an A or AAAA record
      // lookup of the domain name" with the default port. Like SER 0.8 (sip_resolvehost) we
      // also fall back when the SRV query failed (timeout, SERVFAIL): servers and middleboxes
      // that mishandle SRV queries should not make the host unreachable.
      srv = undefined;
    }
    if (srv === undefined || srv.length === 0) {
      return this.toTargets(await this.addresses(name), defaultPort, tp);
    }
    // RFC 2782: a single record with Target "." means the service is decidedly not available.
    if (srv.length === 1 && (srv[0]!.name === '' || srv[0]!.name === '.')) {
      throw new ResolveError('ENOTFOUND', host, `${service}.${name}: service not available (SRV target ".")`);
    }
    return this.srvTargets(host, orderSrv(srv, this.random), tp);
  }

  /**
   * The address to send to for a next hop: at once for an IP literal (brackets allowed; default
   * port 5060, 5061 when secure), so the per-message path stays free of promises; otherwise the
   * first target of resolve(). Rejects like resolve(), and with ENOTFOUND when nothing is left.
   */
  nextHop(host: string, port: number | undefined, transport: TransportName, secure = false): Target | Promise<Target> {
    const fam = ipFamily(host);
    if (fam !== 0 && (port === undefined || (Number.isInteger(port) && port > 0 && port <= 65535))) {
      const sec = secure || transport === 'tls';
      return { ip: normalizeIp(host)!, port: port ?? (sec ? 5061 : 5060), family: fam, transport: sec ? 'tls' : transport };
    }
    return this.resolve(host, port, transport, secure).then((targets) => {
      if (!targets[0]) throw new ResolveError('ENOTFOUND', host, `${host} has no address`);
      return targets[0];
    });
  }

  /** A/AAAA of a plain name (hosts file first), ordered per preferIPv6; an IP literal is itself. */
  async lookupHost(host: string): Promise<string[]> {
    if (this.closed) throw new ResolveError('ECANCELLED', host, 'resolver closed');
    if (typeof host !== 'string') throw new ResolveError('EBADNAME', String(host), 'host name is not a string');
    if (ipFamily(host) !== 0) return [normalizeIp(host)!];
    const name = normalizeHostName(host);
    if (name === undefined) throw new ResolveError('EBADNAME', host, `invalid host name ${JSON.stringify(host)}`);
    const a = await this.addresses(name);
    return this.preferIPv6 ? [...a.v6, ...a.v4] : [...a.v4, ...a.v6];
  }

  /** Names of an address: hosts file first, then PTR (RFC 1035 §3.5, RFC 3596 §2.5); [] on failure. */
  async reverse(ip: string): Promise<string[]> {
    try {
      if (this.closed) return [];
      const addr = typeof ip === 'string' ? normalizeIp(ip) : undefined;
      if (addr === undefined) return [];
      const local = await this.hosts.reverse(addr);
      if (local && local.length > 0) {
        this.stats.hostsHits++;
        return [...local];
      }
      const names = await this.cached<string[]>('PTR', addr, async () => ({
        value: (await this.dns.reverse(addr)).map((n) => n.toLowerCase().replace(/\.$/, '')),
        ttl: undefined,
      }));
      return [...names];
    } catch {
      return [];
    }
  }

  /** Forget all cached answers (in-flight queries still complete and are then cached). */
  clearCache(): void {
    this.cache.clear();
    this.hosts.invalidate();
  }

  /** Cancel outstanding queries (they reject with ECANCELLED); later calls reject the same way. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [...this.pending]) cancel(new ResolveError('ECANCELLED', '', 'resolver closed'));
    this.pending.clear();
    this.inflightQueries.clear();
    this.cache.clear();
    this.dns.cancel();
  }

  // ---------------------------------------------------------------------------------------

  /** The hosts file's addresses for name (IPv6 dropped unless enabled), if it has any. */
  private async fromHosts(name: string): Promise<Addresses | undefined> {
    const local = await this.hosts.lookup(name);
    if (!local) return undefined;
    const a = this.ipv6 ? local : { v4: local.v4, v6: [] };
    if (a.v4.length === 0 && a.v6.length === 0) return undefined;
    this.stats.hostsHits++;
    return a;
  }

  private toTargets(a: Addresses, port: number, transport: TransportName): Target[] {
    const v4 = a.v4.map((ip): Target => ({ ip, port, family: 4, transport }));
    const v6 = a.v6.map((ip): Target => ({ ip, port, family: 6, transport }));
    return this.preferIPv6 ? [...v6, ...v4] : [...v4, ...v6];
  }

  /**
   * Addresses of a name: the hosts file if it lists the name (glibc's "files" before "dns"),
   * else A and AAAA queried in parallel. Rejects only when neither family has an address.
   */
  private async addresses(name: string): Promise<Addresses> {
    const local = await this.fromHosts(name);
    if (local) return local;
    const [r4, r6] = await Promise.allSettled([
      this.cached<string[]>('A', name, () => this.queryAddr(name, 4)),
      this.ipv6 ? this.cached<string[]>('AAAA', name, () => this.queryAddr(name, 6)) : Promise.resolve([] as string[]),
    ]);
    const v4 = r4.status === 'fulfilled' ? r4.value : [];
    const v6 = r6.status === 'fulfilled' ? r6.value : [];
    if (v4.length > 0 || v6.length > 0) return { v4, v6 };
    const codes: string[] = [];
    if (r4.status === 'rejected') codes.push(errorCode(r4.reason));
    if (r6.status === 'rejected') codes.push(errorCode(r6.reason));
    throw new ResolveError(combineCodes(codes), name);
  }

  private async queryAddr(name: string, family: 4 | 6): Promise<{ value: string[]; ttl: number | undefined }> {
    const recs = family === 4 ? await this.dns.resolve4(name, { ttl: true }) : await this.dns.resolve6(name, { ttl: true });
    let ttl = Number.POSITIVE_INFINITY;
    const value: string[] = [];
    for (const r of recs) {
      ttl = Math.min(ttl, r.ttl);
      const ip = normalizeIp(r.address);
      if (ip !== undefined && !value.includes(ip)) value.push(ip);
    }
    if (value.length === 0) throw new ResolveError('ENODATA', name);
    return { value, ttl };
  }

  private srv(qname: string): Promise<SrvRecord[]> {
    return this.cached<SrvRecord[]>('SRV', qname, async () => ({
      value: (await this.dns.resolveSrv(qname)).map((r) => ({
        name: r.name.toLowerCase().replace(/\.$/, ''),
        port: r.port,
        priority: r.priority,
        weight: r.weight,
      })),
      // node:dns does not report SRV TTLs
      ttl: undefined,
    }));
  }

  /** Addresses of every SRV target (in parallel), kept in SRV order, with the SRV port. */
  private async srvTargets(host: string, ordered: SrvRecord[], transport: TransportName): Promise<Target[]> {
    const usable = ordered.filter((r) => r.port !== 0 && normalizeHostName(r.name) !== undefined);
    const names = [...new Set(usable.map((r) => r.name))];
    const settled = await Promise.allSettled(names.map((n) => this.addresses(n)));
    const byName = new Map<string, Addresses>();
    const codes: string[] = [];
    names.forEach((n, i) => {
      const s = settled[i]!;
      if (s.status === 'fulfilled') byName.set(n, s.value);
      else codes.push(errorCode(s.reason));
    });
    const out: Target[] = [];
    const seen = new Set<string>();
    for (const r of usable) {
      const a = byName.get(r.name);
      if (!a) continue;
      for (const t of this.toTargets(a, r.port, transport)) {
        const key = `${t.ip}|${t.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(t);
      }
    }
    if (out.length === 0) {
      throw new ResolveError(combineCodes(codes), host, `${host}: no SRV target could be resolved`);
    }
    return out;
  }

  /**
   * The cache and in-flight table in front of every DNS query. Positive answers live for their
   * clamped TTL; failures for negativeTtlSec (RFC 2308 §5 NXDOMAIN/NODATA, §7 server failures
   * and timeouts), so a dead name does not cost a timeout per message.
   */
  private cached<T>(type: RecordType, name: string, run: () => Promise<{ value: T; ttl: number | undefined }>): Promise<T> {
    if (this.closed) return Promise.reject(new ResolveError('ECANCELLED', name, 'resolver closed'));
    const key = `${type} ${name}`;
    const hit = this.cache.get(key);
    if (hit) {
      if (hit.expires > this.now()) {
        this.stats.cacheHits++;
        if (hit.code !== undefined) return Promise.reject(new ResolveError(hit.code, name, `${hit.code} ${type} ${name} (cached)`));
        return Promise.resolve(hit.value as T);
      }
      this.cache.delete(key);
    }
    const shared = this.inflightQueries.get(key);
    if (shared) {
      this.stats.coalesced++;
      return shared as Promise<T>;
    }
    const p = this.bounded(type, name, run).then(
      ({ value, ttl }) => {
        if (this.inflightQueries.get(key) === p) this.inflightQueries.delete(key);
        const sec = Math.min(this.maxTtl, Math.max(this.minTtl, ttl ?? this.defaultTtl));
        this.store(key, { expires: this.now() + sec * 1000, value, code: undefined });
        return value;
      },
      (err: unknown) => {
        if (this.inflightQueries.get(key) === p) this.inflightQueries.delete(key);
        const code = errorCode(err);
        if (!UNCACHEABLE.has(code)) {
          this.store(key, { expires: this.now() + this.negativeTtl * 1000, value: undefined, code });
        }
        throw err instanceof ResolveError ? err : new ResolveError(code, name, `${code} ${type} ${name}`);
      },
    );
    this.inflightQueries.set(key, p);
    return p;
  }

  private store(key: string, entry: CacheEntry): void {
    if (this.closed || this.maxEntries === 0 || !(entry.expires > this.now())) return;
    this.cache.delete(key); // re-insert at the young end
    this.cache.set(key, entry);
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }

  /** Run one DNS query under our own deadline (timeoutMs * tries) and account for it. */
  private bounded<T>(type: RecordType, name: string, run: () => Promise<T>): Promise<T> {
    this.stats.queries++;
    this.stats.inflight++;
    const started = performance.now();
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (err: ResolveError | undefined, value?: T): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.pending.delete(cancel);
        this.stats.inflight--;
        const ms = performance.now() - started;
        this.stats.totalMs += ms;
        if (ms > this.stats.maxMs) this.stats.maxMs = ms;
        if (err) {
          if (err.code !== 'ECANCELLED') this.stats.failures++;
          if (err.code === 'ETIMEOUT') this.stats.timeouts++;
          reject(err);
        } else {
          resolve(value as T);
        }
      };
      const cancel = (err: ResolveError): void => finish(err);
      const timer = setTimeout(
        () => finish(new ResolveError('ETIMEOUT', name, `ETIMEOUT ${type} ${name} after ${this.deadlineMs} ms`)),
        this.deadlineMs,
      );
      timer.unref();
      this.pending.add(cancel);
      const toError = (e: unknown): ResolveError => {
        if (e instanceof ResolveError) return e;
        let code = errorCode(e);
        if (TIMEOUT_CODES.has(code)) code = 'ETIMEOUT';
        return new ResolveError(code, name, `${code} ${type} ${name}`);
      };
      try {
        run().then(
          (v) => finish(undefined, v),
          (e: unknown) => finish(toError(e)),
        );
      } catch (e) {
        finish(toError(e));
      }
    });
  }
}
