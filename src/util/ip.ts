// IP address literals and networks: parsing, canonical text, membership tests.
//
// These helpers run for every message (Via received=, permission checks, src_ip == net), so the
// parsers are hand-written character loops with no regular expressions and, for the common
// paths, no allocations beyond the result.

export type IpFamily = 4 | 6;

// Scratch buffer reused by the hot paths (ipFamily, IpNet.contains): single-threaded, never
// handed out.
const scratch = new Uint16Array(8);

/**
 * Strict dotted-quad parser over text[start, end). Returns the address as an unsigned 32-bit
 * number, or -1. Exactly four decimal octets 0-255; a leading zero is rejected ('01') because
 * inet_aton(3) would read it as octal and two parsers disagreeing about an ACL is a security bug.
 */
function parseV4(text: string, start: number, end: number): number {
  let acc = 0;
  let parts = 0;
  let val = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && val === 0) return -1; // leading zero
      val = val * 10 + (c - 48);
      if (val > 255) return -1;
      digits++;
    } else if (c === 46 /* . */) {
      if (digits === 0 || parts === 3) return -1;
      acc = acc * 256 + val;
      parts++;
      val = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return acc * 256 + val;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * RFC 4291 §2.2 text forms over text[start, end) into eight 16-bit groups: full form,
 * '::' compression (at most once, standing for one or more zero groups) and the trailing
 * dotted-quad form (x:x:x:x:x:x:d.d.d.d). Zone ids ('%eth0') are not supported.
 */
function parseV6(text: string, start: number, end: number, out: Uint16Array): boolean {
  if (end - start < 2) return false;
  let n = 0; // groups written
  let gap = -1; // index in out where '::' sits
  let i = start;
  if (text.charCodeAt(i) === 58 /* : */) {
    if (text.charCodeAt(i + 1) !== 58) return false; // a lone leading ':'
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    if (n === 8) return false;
    let j = i;
    let val = 0;
    while (j < end) {
      const h = hexValue(text.charCodeAt(j));
      if (h < 0) break;
      val = val * 16 + h;
      j++;
    }
    if (j < end && text.charCodeAt(j) === 46 /* . */) {
      // Embedded IPv4 must be the last 32 bits (RFC 4291 §2.2 form 3).
      if (n > 6) return false;
      const v4 = parseV4(text, i, end);
      if (v4 < 0) return false;
      out[n++] = v4 >>> 16;
      out[n++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4) return false;
    out[n++] = val;
    if (j === end) break;
    if (text.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 58) {
      if (gap >= 0) return false; // '::' twice
      gap = n;
      j++;
      if (j === end) break;
    } else if (j === end) {
      return false; // trailing single ':'
    }
    i = j;
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false; // '::' must stand for at least one group
  const tail = n - gap;
  for (let k = 0; k < tail; k++) out[7 - k] = out[n - 1 - k];
  for (let k = gap; k < 8 - tail; k++) out[k] = 0;
  return true;
}

// Bounds [innerStart, innerEnd) set by inner(); module state rather than a returned tuple so
// the per-message paths allocate nothing.
let innerStart = 0;
let innerEnd = 0;

/** Locate the address inside optional IPv6 brackets: -1 unbalanced brackets, 0 none, 1 bracketed. */
function inner(text: string): -1 | 0 | 1 {
  const len = text.length;
  if (len > 0 && text.charCodeAt(0) === 91 /* [ */) {
    if (len < 3 || text.charCodeAt(len - 1) !== 93 /* ] */) return -1;
    innerStart = 1;
    innerEnd = len - 1;
    return 1;
  }
  innerStart = 0;
  innerEnd = len;
  return 0;
}

function hasColon(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 58) return true;
  return false;
}

/**
 * 4 or 6 for an IP literal, 0 otherwise. IPv6 may be bracketed (RFC 3261 §25.1 IPv6reference);
 * IPv4 may not (brackets are only for IPv6, RFC 3986 §3.2.2).
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  const br = inner(text);
  if (br < 0) return 0;
  const s = innerStart;
  const e = innerEnd;
  const bracketed = br === 1;
  if (hasColon(text, s, e)) return parseV6(text, s, e, scratch) ? 6 : 0;
  if (bracketed) return 0;
  return parseV4(text, s, e) >= 0 ? 4 : 0;
}

function formatV4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/** RFC 5952 §4 canonical text of eight groups. */
function formatV6(g: Uint16Array): string {
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted-quad tail.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatV4(g[6]! * 65536 + g[7]!)}`;
  }
  // RFC 5952 §4.2.1-§4.2.3: compress the longest run of two or more zero groups, the first
  // one on a tie; a single zero group is not compressed.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    // RFC 5952 §4.1 (no leading zeros) and §4.3 (lower case): toString(16) gives both.
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += g[i]!.toString(16);
  }
  return out;
}

/**
 * Canonical text of an IP literal: IPv4 dotted quad, IPv6 per RFC 5952 without brackets;
 * undefined when text is not an IP literal.
 */
export function normalizeIp(text: string): string | undefined {
  const br = inner(text);
  if (br < 0) return undefined;
  const s = innerStart;
  const e = innerEnd;
  const bracketed = br === 1;
  if (hasColon(text, s, e)) {
    const g = new Uint16Array(8);
    return parseV6(text, s, e, g) ? formatV6(g) : undefined;
  }
  if (bracketed) return undefined;
  // The strict parser only accepts the canonical spelling, so the input is already canonical.
  return parseV4(text, s, e) >= 0 ? text : undefined;
}

/** Network-order bytes: 4 for IPv4, 16 for IPv6 (brackets allowed). */
export function ipToBytes(text: string): Uint8Array | undefined {
  const br = inner(text);
  if (br < 0) return undefined;
  const s = innerStart;
  const e = innerEnd;
  const bracketed = br === 1;
  if (hasColon(text, s, e)) {
    if (!parseV6(text, s, e, scratch)) return undefined;
    const b = new Uint8Array(16);
    for (let i = 0; i < 8; i++) {
      b[2 * i] = scratch[i]! >>> 8;
      b[2 * i + 1] = scratch[i]! & 255;
    }
    return b;
  }
  if (bracketed) return undefined;
  const v = parseV4(text, s, e);
  if (v < 0) return undefined;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

/** Text form of 4 or 16 network-order bytes (canonical, as normalizeIp). */
export function bytesToIp(bytes: Uint8Array): string | undefined {
  if (bytes.length === 4) return formatV4(((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0);
  if (bytes.length !== 16) return undefined;
  const g = new Uint16Array(8);
  for (let i = 0; i < 8; i++) g[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;
  return formatV6(g);
}

/**
 * Same address? Compares canonical forms, so '[::1]' equals '0:0::1'. Different families never
 * match: '::ffff:1.2.3.4' is not '1.2.3.4' (SER's ip_addr_cmp compares the family too).
 * Non-IP text is never equal to anything.
 */
export function ipEquals(a: string, b: string): boolean {
  if (a === b) return ipFamily(a) !== 0;
  const na = normalizeIp(a);
  return na !== undefined && na === normalizeIp(b);
}

/**
 * 'ip:port' with IPv6 in brackets (RFC 3261 §19.1.1 hostport / §25.1 IPv6reference). IP literals
 * are written in canonical form; anything else (a host name) is used as given.
 */
export function formatHostPort(ip: string, port: number): string {
  const n = normalizeIp(ip);
  if (n === undefined) return `${ip}:${port}`;
  return n.includes(':') ? `[${n}]:${port}` : `${n}:${port}`;
}

/** The limited broadcast address; SER refuses to forward/reply to it. */
export function isBroadcast(ip: string): boolean {
  return ip === '255.255.255.255';
}

/** Parse a decimal prefix length in text[start, end), 0..max; -1 if invalid. */
function parsePrefix(text: string, start: number, end: number, max: number): number {
  if (end <= start || end - start > 3) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v <= max ? v : -1;
}

/** Prefix length of a contiguous mask, or undefined (SER accepts non-contiguous IP/mask). */
function maskPrefix(mask: Uint16Array): number | undefined {
  let len = 0;
  let i = 0;
  for (; i < 8 && mask[i] === 0xffff; i++) len += 16;
  if (i < 8) {
    const m = mask[i]!;
    let b = 0;
    while (b < 16 && (m & (0x8000 >>> b)) !== 0) b++;
    if ((m & ~(0xffff << (16 - b)) & 0xffff) !== 0) return undefined;
    len += b;
    for (i++; i < 8; i++) if (mask[i] !== 0) return undefined;
  }
  return len;
}

/**
 * An address with a mask, as SER's `struct net`: 'a.b.c.d', 'a.b.c.d/len', 'a.b.c.d/m.m.m.m',
 * 'v6', 'v6/len', '[v6]/len', 'v6/mask'. Host bits set in the address are cleared
 * (SER's mk_net does the same), so '10.1.2.3/8' is 10.0.0.0/8.
 */
export class IpNet {
  readonly family: IpFamily;
  /** network address (host bits cleared), canonical text */
  readonly address: string;
  /** prefix length, or undefined for a non-contiguous IPv4 mask */
  readonly prefixLength: number | undefined;
  // IPv4: net and mask as unsigned 32-bit numbers; IPv6: eight 16-bit groups each.
  private readonly net4: number;
  private readonly mask4: number;
  private readonly net6: Uint16Array | undefined;
  private readonly mask6: Uint16Array | undefined;

  private constructor(family: IpFamily, net4: number, mask4: number, net6?: Uint16Array, mask6?: Uint16Array) {
    this.family = family;
    this.net4 = net4;
    this.mask4 = mask4;
    this.net6 = net6;
    this.mask6 = mask6;
    if (family === 4) {
      this.address = formatV4(net4);
      const m = new Uint16Array(8).fill(0xffff);
      m[6] = mask4 >>> 16;
      m[7] = mask4 & 0xffff;
      const p = maskPrefix(m);
      this.prefixLength = p === undefined ? undefined : p - 96;
    } else {
      this.address = formatV6(net6!);
      this.prefixLength = maskPrefix(mask6!);
    }
  }

  static parse(text: string): IpNet | undefined {
    let slash = text.indexOf('/');
    if (slash < 0) slash = text.length;
    // Address part, optionally bracketed.
    let s = 0;
    let e = slash;
    let bracketed = false;
    if (text.charCodeAt(0) === 91) {
      if (e < 3 || text.charCodeAt(e - 1) !== 93) return undefined;
      s = 1;
      e--;
      bracketed = true;
    }
    const ms = slash + 1; // mask part text[ms, text.length)
    const hasMask = slash < text.length;
    if (hasColon(text, s, e)) {
      const net = new Uint16Array(8);
      if (!parseV6(text, s, e, net)) return undefined;
      const mask = new Uint16Array(8);
      if (!hasMask) {
        mask.fill(0xffff);
      } else if (hasColon(text, ms, text.length)) {
        if (!parseV6(text, ms, text.length, mask)) return undefined;
      } else {
        let len = parsePrefix(text, ms, text.length, 128);
        if (len < 0) return undefined;
        for (let i = 0; i < 8; i++, len -= 16) mask[i] = len >= 16 ? 0xffff : len <= 0 ? 0 : (0xffff << (16 - len)) & 0xffff;
      }
      for (let i = 0; i < 8; i++) net[i]! &= mask[i]!;
      return new IpNet(6, 0, 0, net, mask);
    }
    if (bracketed) return undefined;
    const addr = parseV4(text, s, e);
    if (addr < 0) return undefined;
    let mask: number;
    if (!hasMask) {
      mask = 0xffffffff;
    } else if (text.indexOf('.', ms) >= 0) {
      mask = parseV4(text, ms, text.length);
      if (mask < 0) return undefined;
    } else {
      const len = parsePrefix(text, ms, text.length, 32);
      if (len < 0) return undefined;
      mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    }
    return new IpNet(4, (addr & mask) >>> 0, mask, undefined, undefined);
  }

  /** Is ip (brackets allowed) inside this net? Always false for the other family or non-IP text. */
  contains(ip: string): boolean {
    const br = inner(ip);
    if (br < 0) return false;
    const s = innerStart;
    const e = innerEnd;
    const bracketed = br === 1;
    if (this.family === 4) {
      if (bracketed) return false;
      const v = parseV4(ip, s, e);
      return v >= 0 && ((v & this.mask4) >>> 0) === this.net4;
    }
    if (!hasColon(ip, s, e) || !parseV6(ip, s, e, scratch)) return false;
    const net = this.net6!;
    const mask = this.mask6!;
    for (let i = 0; i < 8; i++) if ((scratch[i]! & mask[i]!) !== net[i]) return false;
    return true;
  }

  /** 'a.b.c.d/len', 'v6/len'; a non-contiguous IPv4 mask is written 'a.b.c.d/m.m.m.m'. */
  toString(): string {
    if (this.prefixLength !== undefined) return `${this.address}/${this.prefixLength}`;
    if (this.family === 4) return `${this.address}/${formatV4(this.mask4)}`;
    return `${this.address}/${formatV6(this.mask6!)}`;
  }
}
