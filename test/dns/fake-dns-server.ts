// A tiny authoritative DNS server on UDP loopback for tests: answers A, AAAA, SRV and PTR from a
// table, NXDOMAIN for unknown names, and can be told to fail or stay silent for a name.
// Messages are encoded by hand per RFC 1035 §4 (and RFC 3596 for AAAA, RFC 2782 for SRV).

import dgram from 'node:dgram';
import { ipToBytes } from '../../src/util/ip.js';

export type FakeAddress = string | { address: string; ttl?: number };

export interface FakeSrv {
  priority: number;
  weight: number;
  port: number;
  target: string;
  ttl?: number;
}

export interface FakeRecordSet {
  A?: FakeAddress[];
  AAAA?: FakeAddress[];
  SRV?: FakeSrv[];
  PTR?: Array<string | { name: string; ttl?: number }>;
  /** default TTL for this name's records */
  ttl?: number;
  /** answer with this RCODE instead of records */
  rcode?: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** never answer (to test timeouts) */
  silent?: boolean;
  /** answer after this many milliseconds */
  delayMs?: number;
}

/** owner name (case-insensitive, trailing dot optional) -> records; absent names get NXDOMAIN */
export type FakeZone = Record<string, FakeRecordSet>;

export interface FakeQuery {
  name: string;
  type: string;
}

export interface FakeDns {
  address: string;
  port: number;
  /** '127.0.0.1:port', ready for Resolver servers */
  server: string;
  /** every query received, in order (name lower-cased, type mnemonic) */
  queries: FakeQuery[];
  /** the live table: tests may change it between queries */
  zone: FakeZone;
  /** queries for one name (and type, if given) */
  count(name: string, type?: string): number;
  close(): Promise<void>;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 12: 'PTR', 28: 'AAAA', 33: 'SRV', 41: 'OPT', 255: 'ANY' };
const TYPE_CODES: Record<string, number> = { A: 1, PTR: 12, AAAA: 28, SRV: 33 };
const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** The PTR owner name of an address (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa). */
export function reverseName(ip: string): string {
  const b = ipToBytes(ip);
  if (!b) throw new Error(`not an IP: ${ip}`);
  if (b.length === 4) return `${b[3]}.${b[2]}.${b[1]}.${b[0]}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((b[i]! & 15).toString(16), (b[i]! >> 4).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

/**
 * Read a domain name at off (RFC 1035 §4.1.4: labels, or a pointer to an earlier name).
 * Returns the dotted name and the offset just past the name in the original position.
 */
export function readName(msg: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let jumps = 0;
  for (;;) {
    if (off >= msg.length) throw new Error('name runs past message');
    const len = msg[off]!;
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= msg.length) throw new Error('truncated pointer');
      if (next < 0) next = off + 2;
      if (++jumps > 32) throw new Error('compression loop');
      off = ((len & 0x3f) << 8) | msg[off + 1]!;
      continue;
    }
    if (len & 0xc0) throw new Error('bad label type');
    if (len === 0) {
      if (next < 0) next = off + 1;
      return { name: labels.join('.'), next };
    }
    if (off + 1 + len > msg.length) throw new Error('label runs past message');
    labels.push(msg.toString('latin1', off + 1, off + 1 + len));
    off += 1 + len;
  }
}

/** Uncompressed wire form of a name (RFC 2782 forbids compressing the SRV target). */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.replace(/\.$/, '').split('.')) {
    if (label === '') continue;
    const b = Buffer.from(label, 'latin1');
    if (b.length > 63) throw new Error(`label too long: ${label}`);
    parts.push(Buffer.of(b.length), b);
  }
  parts.push(Buffer.of(0));
  return Buffer.concat(parts);
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function findSet(zone: FakeZone, name: string): FakeRecordSet | undefined {
  for (const key of Object.keys(zone)) if (normalizeName(key) === name) return zone[key];
  return undefined;
}

/** One answer RR whose owner is the question name (pointer to offset 12, RFC 1035 §4.1.4). */
function rr(type: number, ttl: number, rdata: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(0xc00c, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(1, 4); // class IN
  head.writeUInt32BE(ttl >>> 0, 6);
  head.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([head, rdata]);
}

function answers(set: FakeRecordSet, type: string, defaultTtl: number): Buffer[] {
  const ttlOf = (t: number | undefined) => t ?? set.ttl ?? defaultTtl;
  const out: Buffer[] = [];
  if (type === 'A' || type === 'AAAA') {
    for (const a of set[type] ?? []) {
      const address = typeof a === 'string' ? a : a.address;
      const bytes = ipToBytes(address);
      if (!bytes || bytes.length !== (type === 'A' ? 4 : 16)) throw new Error(`bad ${type} ${address}`);
      out.push(rr(TYPE_CODES[type]!, ttlOf(typeof a === 'string' ? undefined : a.ttl), Buffer.from(bytes)));
    }
  } else if (type === 'SRV') {
    for (const s of set.SRV ?? []) {
      const fixed = Buffer.alloc(6);
      fixed.writeUInt16BE(s.priority, 0);
      fixed.writeUInt16BE(s.weight, 2);
      fixed.writeUInt16BE(s.port, 4);
      out.push(rr(33, ttlOf(s.ttl), Buffer.concat([fixed, encodeName(s.target)])));
    }
  } else if (type === 'PTR') {
    for (const p of set.PTR ?? []) {
      const name = typeof p === 'string' ? p : p.name;
      out.push(rr(12, ttlOf(typeof p === 'string' ? undefined : p.ttl), encodeName(name)));
    }
  }
  return out;
}

/** RFC 1035 §4.1.1 header for a response to the query header q. */
function header(q: Buffer, rcode: number, qd: number, an: number): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(q.readUInt16BE(0), 0); // ID
  const opcode = (q[2]! >> 3) & 0x0f;
  const rd = q[2]! & 0x01;
  h[2] = 0x80 | (opcode << 3) | 0x04 | rd; // QR, OPCODE, AA, RD
  h[3] = 0x80 | rcode; // RA, RCODE
  h.writeUInt16BE(qd, 4);
  h.writeUInt16BE(an, 6);
  return h;
}

export async function startFakeDns(zone: FakeZone, opts: { defaultTtl?: number } = {}): Promise<FakeDns> {
  const defaultTtl = opts.defaultTtl ?? 300;
  const socket = dgram.createSocket('udp4');
  const queries: FakeQuery[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const respond = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (msg.length < 12 || msg[2]! & 0x80) return; // too short, or a response
    const qdcount = msg.readUInt16BE(4);
    if (qdcount !== 1) {
      socket.send(header(msg, RCODES.FORMERR, 0, 0), rinfo.port, rinfo.address);
      return;
    }
    let q;
    try {
      q = readName(msg, 12);
    } catch {
      socket.send(header(msg, RCODES.FORMERR, 0, 0), rinfo.port, rinfo.address);
      return;
    }
    if (q.next + 4 > msg.length) return;
    const qtype = msg.readUInt16BE(q.next);
    const question = msg.subarray(12, q.next + 4); // echoed verbatim (case and all)
    const name = normalizeName(q.name);
    const type = TYPE_NAMES[qtype] ?? String(qtype);
    queries.push({ name, type });
    const set = findSet(zone, name);
    if (set?.silent) return;
    let reply: Buffer;
    if (!set) {
      reply = Buffer.concat([header(msg, RCODES.NXDOMAIN, 1, 0), question]);
    } else if (set.rcode) {
      reply = Buffer.concat([header(msg, RCODES[set.rcode], 1, 0), question]);
    } else {
      // If the question name was not at offset 12 in wire form (it always is: one question),
      // the 0xC00C pointers in rr() still refer to it.
      const an = answers(set, type, defaultTtl);
      reply = Buffer.concat([header(msg, RCODES.NOERROR, 1, an.length), question, ...an]);
    }
    if (set?.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        socket.send(reply, rinfo.port, rinfo.address);
      }, set.delayMs);
      timers.add(t);
    } else {
      socket.send(reply, rinfo.port, rinfo.address);
    }
  };

  socket.on('message', (msg, rinfo) => {
    try {
      respond(msg, rinfo);
    } catch {
      socket.send(header(msg, RCODES.SERVFAIL, 0, 0), rinfo.port, rinfo.address);
    }
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const { address, port } = socket.address();
  return {
    address,
    port,
    server: `${address}:${port}`,
    queries,
    zone,
    count: (n, t) => queries.filter((q) => q.name === normalizeName(n) && (t === undefined || q.type === t)).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        socket.close(() => resolve());
      }),
  };
}
