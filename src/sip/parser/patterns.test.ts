// The regular-expression fast paths (patterns.ts) against the byte scanners they stand in for:
// on realistic values and on many seeded random mutations of them, whenever a fast path answers,
// its answer must be the scanner's (same values, same offsets), and it must never accept what the
// scanner refuses. Plus: the patterns stay fast on hostile input.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng as rng } from '../../../test/helpers/prng.js';
import { parseCSeq, parseCSeqFast } from './cseq.js';
import { SipParseError } from './errors.js';
import { canonicalName, knownSpelling, slotOf, SPELLINGS } from './header-names.js';
import { parseMessage, type HeaderField, type SipMessage } from './message.js';
import { isNameAddrFast, parseNameAddrFast, parseNameAddrField, type Contact, type NameAddrOptions } from './name-addr.js';
import { parseStartLine } from './start-line.js';
import { isSipUriWithoutHeaders, parseUriBytes } from './uri.js';
import { parseViaField, parseViaFieldFast, type Via } from './via.js';

/** Characters that matter to some grammar, and a few that matter to none. */
const ALPHABET = [
  ' ', ' ', '\t', ';', ';', '=', ',', '"', '\\', '<', '>', ':', '@', '%', '.', '-', '[', ']', '?', '&', '/', '_', '~', "'", '*',
  'A', 'a', 'Z', 'z', 'S', 'I', 'P', '0', '1', '2', '5', '9', '\x00', '\x07', '\x7f', '\xe9', '\xff', '\r\n ', '\r\n', '\n', '\r',
  '25', '255', '256', '65535', '65536', 'ttl', 'TTL', 'branch', 'tag', 'Tag', 'rport', 'received', 'maddr', '%41', '%4', '%zz',
];

/** Up to 4 random edits: insert, delete, replace, duplicate a slice. */
function mutate(r: () => number, v: string): string {
  const edits = 1 + Math.floor(r() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (v.length + 1));
    const pick = ALPHABET[Math.floor(r() * ALPHABET.length)];
    const op = r();
    if (op < 0.35) v = v.slice(0, at) + pick + v.slice(at);
    else if (op < 0.6) v = v.slice(0, at) + v.slice(at + 1 + Math.floor(r() * 3));
    else if (op < 0.9) v = v.slice(0, at) + pick + v.slice(at + 1);
    else v = v.slice(0, at) + v.slice(at, at + 1 + Math.floor(r() * 8)) + v.slice(at);
  }
  return v;
}

/** The seeds, then `n` mutations of them. */
function* inputs(seeds: readonly string[], n: number, seed: number): Generator<string> {
  yield* seeds;
  const r = rng(seed);
  for (let i = 0; i < n; i++) yield mutate(r, seeds[Math.floor(r() * seeds.length)]);
}

/** A request whose `name` header field has the value v (undefined if that does not even frame). */
function withHeader(name: string, v: string): { m: SipMessage; h: HeaderField } | undefined {
  const text = `OPTIONS sip:x@example.com SIP/2.0\r\n${name}: ${v}\r\nContent-Length: 0\r\n\r\n`;
  let m: SipMessage;
  try {
    m = parseMessage(Buffer.from(text, 'latin1'));
  } catch (e) {
    if (e instanceof SipParseError) return undefined;
    throw e;
  }
  const h = m.headers[0];
  return h === undefined || h.name === 'content-length' ? undefined : { m, h };
}

/** The scanner's answer: its result, or the SipParseError it threw. */
function slow<T>(f: () => T): T | SipParseError {
  try {
    return f();
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
}

const N = 25_000;

const VIAS = [
  'SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bK-1-1-0',
  'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
  'SIP/2.0/TCP client.example.com:5061;branch=z9hG4bK74bf9;received=192.0.2.1;rport=5070',
  'SIP/2.0/TLS a.example;branch=z9hG4bK1 , SIP/2.0/UDP b.example:5060;branch=z9hG4bK2',
  'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;received=192.0.2.99;rport=5070;maddr=224.2.0.1;ttl=16;x=y',
  'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;x-Param=Value',
  'SIP/2.0/SCTP host-1.example.com.:5;lr;Branch=abc',
  'SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK3',
  'SIP/2.0/TLS-SCTP 10.0.0.255;branch=z9hG4bK;received=::1',
];

const NAME_ADDRS = [
  'sipp <sip:sipp@127.0.0.1:5080>;tag=1234T1',
  '<sip:ping@127.0.0.1:5060>',
  '"Alice Smith" <sip:alice@atlanta.example.com>;tag=1928301774;x=y',
  '"J Rosenberg \\\\\\"" <sip:j@example.com>;Tag=a',
  'Bob <sips:bob@biloxi.example.com>',
  'sip:caller@example.com;tag=323',
  'A B  C <tel:+1-555-0100;phone-context=x>;tag',
  'caller<sip:caller@example.com;lr>;tag=323;tag=2',
  '<urn:service:sos>;x="quoted;value"',
  'sip:a@b?c=d',
];

const URIS = [
  'sip:ping@127.0.0.1:5060',
  'sip:alice:secret@atlanta.com:5061;transport=tcp;lr',
  'SIPS:example.com',
  'sip:%61lice@a.example.com;maddr=239.255.255.1;ttl=15',
  'sip:user;par=u%40example.net@example.com',
  'sip:host.example.com:65535;lr;x=%5B%5D',
  'sip:a@b?subject=x',
  'sip:[2001:db8::10]:5070',
  'tel:+1-555-0100',
  'sip:-bad-.example.com',
  'sip:1.2.3.4.example.com:0',
];

describe('patterns: fast paths agree with the byte scanners', () => {
  it('Via (parseViaFieldFast vs parseViaField)', () => {
    let fast = 0;
    for (const v of inputs(VIAS, N, 1)) {
      const x = withHeader('Via', v);
      if (!x) continue;
      const got: Via[] = [];
      const ok = parseViaFieldFast(x.m.head, x.h, got);
      const want: Via[] = [];
      const ref = slow(() => parseViaField(x.m.head, x.m.buf, x.h, want));
      if (!ok) {
        assert.equal(got.length, 0, v);
        continue;
      }
      fast++;
      assert.ok(!(ref instanceof SipParseError), `fast path accepted ${JSON.stringify(v)}: ${ref instanceof Error ? ref.message : ''}`);
      assert.deepStrictEqual(got, want, JSON.stringify(v));
    }
    assert.ok(fast > 1000, `fast path taken ${fast} times`);
  });

  it('From/To (isNameAddrFast, parseNameAddrFast vs parseNameAddrField)', () => {
    const o: NameAddrOptions = { code: 'E_FROM', multi: false, bracketsOnly: false, contact: false };
    let fast = 0;
    for (const v of inputs(NAME_ADDRS, N, 2)) {
      const x = withHeader('From', v);
      if (!x) continue;
      const want: Contact[] = [];
      const ref = slow(() => parseNameAddrField(x.m.head, x.m.buf, x.h, want, o));
      const checked = isNameAddrFast(x.m.head, x.h);
      const got = parseNameAddrFast(x.m.head, x.m.buf, x.h);
      if (checked || got !== undefined) {
        fast++;
        assert.ok(!(ref instanceof SipParseError), `fast path accepted ${JSON.stringify(v)}: ${ref instanceof Error ? ref.message : ''}`);
      }
      if (got !== undefined) assert.deepStrictEqual(got, want[0], JSON.stringify(v));
      if (checked) assert.ok(got !== undefined, `checked but not parsed: ${JSON.stringify(v)}`);
    }
    assert.ok(fast > 1000, `fast path taken ${fast} times`);
  });

  it('no more parameters than the scanners allow', () => {
    for (const n of [63, 64, 65, 80]) {
      const via = withHeader('Via', 'SIP/2.0/UDP h.example' + ';p'.repeat(n))!;
      const ref = slow(() => parseViaField(via.m.head, via.m.buf, via.h, []));
      assert.equal(parseViaFieldFast(via.m.head, via.h, []), !(ref instanceof SipParseError), String(n));
    }
    for (const n of [63, 64, 65, 80]) {
      const v = '<sip:a@b.example>' + ';p'.repeat(n);
      const x = withHeader('From', v)!;
      const ok = slow(() => parseNameAddrField(x.m.head, x.m.buf, x.h, [], { code: 'E_FROM', multi: false, bracketsOnly: false, contact: false }));
      assert.equal(isNameAddrFast(x.m.head, x.h), !(ok instanceof SipParseError), String(n));
      assert.equal(parseNameAddrFast(x.m.head, x.m.buf, x.h) !== undefined, !(ok instanceof SipParseError), String(n));
    }
  });

  it('CSeq (parseCSeqFast vs parseCSeq)', () => {
    let fast = 0;
    for (const v of inputs(['1 OPTIONS', '314159 INVITE', '4294967295 ACK', '0009 BYE', '4294967296 X', '12345678901 Y'], N / 5, 3)) {
      const x = withHeader('CSeq', v);
      if (!x) continue;
      const ref = slow(() => parseCSeq(x.m.head, x.m.buf, x.h.valueStart, x.h.valueEnd));
      const got = parseCSeqFast(x.m.head, x.m.buf, x.h.valueStart, x.h.valueEnd);
      if (got === undefined) continue;
      fast++;
      assert.deepStrictEqual(got, ref, JSON.stringify(v));
    }
    assert.ok(fast > 500, `fast path taken ${fast} times`);
  });

  it('Call-ID and Max-Forwards getters agree with their byte checks', () => {
    const scan = (m: SipMessage, h: HeaderField) => {
      if (h.valueStart >= h.valueEnd) return false;
      for (let i = h.valueStart; i < h.valueEnd; i++) if (m.buf[i] <= 32 || m.buf[i] === 127) return false;
      return true;
    };
    for (const v of inputs(['a84b4c76e66710@pc33.atlanta.example.com', '1-1234@127.0.0.1', '\xe9x'], N / 5, 4)) {
      const x = withHeader('Call-ID', v);
      if (!x) continue;
      const got = slow(() => x.m.callId);
      if (scan(x.m, x.h)) assert.equal(got, x.m.head.slice(x.h.valueStart, x.h.valueEnd));
      else assert.ok(got instanceof SipParseError && got.code === 'E_CALL_ID', JSON.stringify(v));
    }
    for (const v of inputs(['70', '0', '255', '256', '007', '00000000000070', '1 0'], N / 10, 5)) {
      const x = withHeader('Max-Forwards', v);
      if (!x) continue;
      const got = slow(() => x.m.maxForwards);
      let want: number | SipParseError;
      const t = x.m.head.slice(x.h.valueStart, x.h.valueEnd);
      if (!/^\d+$/.test(t)) want = new SipParseError('E_MAX_FORWARDS', '');
      else if (t.replace(/^0+/, '').length > 10 || Number(t) > 255) want = new SipParseError('E_MAX_FORWARDS_RANGE', '');
      else want = Number(t);
      if (want instanceof SipParseError) assert.ok(got instanceof SipParseError && got.code === want.code, JSON.stringify(v));
      else assert.equal(got, want, JSON.stringify(v));
    }
  });

  it('Request-URI (isSipUriWithoutHeaders vs parseUriBytes)', () => {
    let fast = 0;
    for (const v of inputs(URIS, N, 6)) {
      const b = Buffer.from(v, 'latin1');
      if (!isSipUriWithoutHeaders(v, 0, v.length)) continue;
      fast++;
      const u = slow(() => parseUriBytes(b, 0, b.length, v));
      assert.ok(!(u instanceof SipParseError), `fast path accepted ${JSON.stringify(v)}: ${u instanceof Error ? u.message : ''}`);
      assert.ok(u.scheme === 'sip' || u.scheme === 'sips', v);
      assert.equal(u.headers, '', v);
    }
    assert.ok(fast > 1000, `fast path taken ${fast} times`);
  });

  it('Request-Line: the message reads it as parseStartLine does', () => {
    const lines = ['OPTIONS sip:ping@127.0.0.1:5060 SIP/2.0', 'INVITE sip:bob@biloxi.example.com SIP/2.0', 'SIP/2.0 200 OK', 'NEWMETHOD sip:x SIP/2.0'];
    for (const line of inputs(lines, N / 5, 7)) {
      if (/[\r\n]/.test(line)) continue;
      const text = `\r\n${line}\r\nVia: SIP/2.0/UDP h.example\r\nContent-Length: 0\r\n\r\n`;
      const buf = Buffer.from(text, 'latin1');
      const m = slow(() => parseMessage(buf));
      const ref = /\r/.test(line) ? undefined : slow(() => parseStartLine(text, buf, 2, 2 + line.length));
      if (ref === undefined) continue;
      if (ref instanceof SipParseError) {
        assert.ok(m instanceof SipParseError && m.code === ref.code && m.message === ref.message, JSON.stringify(line));
        continue;
      }
      assert.ok(!(m instanceof SipParseError), JSON.stringify(line));
      const got = { isRequest: m.isRequest, method: m.method, ruriStart: m.ruriStart, ruriEnd: m.ruriEnd, version: m.version, status: m.status, reason: m.reason, strict: m.startLineStrict };
      assert.deepStrictEqual(got, { ...ref }, JSON.stringify(line));
      assert.equal(m.ruri, m.isRequest ? text.slice(m.ruriStart, m.ruriEnd) : '');
    }
  });

  it('header names: every usual spelling maps as canonicalName does, with its slot', () => {
    const names = ['Via', 'v', 'V', 'VIA', 'via', 'Call-ID', 'Call-Id', 'call-id', 'CSeq', 'Cseq', 'CSEQ', 'i', 'Max-Forwards', 'Content-Length', 'l',
      'Proxy-Require', 'Record-Route', 'Route', 'Contact', 'm', 'WWW-Authenticate', 'X-Foo', 'ViA', 'Vias', 'To', 't', 'From', 'f'];
    for (const n of names) {
      let h = 0;
      for (let i = 0; i < n.length; i++) h = (Math.imul(h, 31) + (n.charCodeAt(i) | 0x20)) | 0;
      const canon = canonicalName(Buffer.from(n, 'latin1'), n, 0, n.length, h);
      const k = knownSpelling(n, 0, n.length);
      if (k !== undefined) {
        assert.equal(k.canonical, canon, n);
        assert.equal(k.slot, slotOf(canon), n);
      }
    }
    for (const list of SPELLINGS) {
      for (const e of list ?? []) {
        const n = e.text;
        let h = 0;
        for (let i = 0; i < n.length; i++) h = (Math.imul(h, 31) + (n.charCodeAt(i) | 0x20)) | 0;
        assert.equal(e.canonical, canonicalName(Buffer.from(n, 'latin1'), n, 0, n.length, h), n);
        assert.equal(e.slot, slotOf(e.canonical), n);
        assert.equal(knownSpelling(n, 0, n.length), e, n);
      }
    }
    assert.equal(knownSpelling('X-Foo', 0, 5), undefined);
    assert.equal(knownSpelling('Via', 0, 3)?.canonical, 'via');
  });

  it('the header index: header(name) and headerBits as a search would find them', () => {
    const names = ['via', 'from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type', 'contact', 'route', 'record-route', 'proxy-require', 'x-foo', 'subject'];
    const spell = ['Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq', 'Max-Forwards', 'Content-Length', 'l', 'Content-Type', 'c', 'Contact', 'm', 'Route', 'Record-Route', 'Proxy-Require', 'X-Foo', 'SUBJECT', 'sUbJeCt', 'vIa'];
    const r = rng(8);
    for (let t = 0; t < 2000; t++) {
      const lines = ['OPTIONS sip:x@example.com SIP/2.0'];
      const n = Math.floor(r() * 10);
      for (let k = 0; k < n; k++) {
        const name = spell[Math.floor(r() * spell.length)];
        lines.push(`${name}: ${name === 'Content-Length' || name === 'l' ? '0' : 'x' + k}`);
      }
      const m = parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));
      let bits = 0;
      let repeated = 0;
      for (const name of names) {
        const all = m.headers.filter((h) => h.name === name);
        assert.equal(m.header(name), all[0], name);
        const slot = slotOf(name);
        if (slot >= 0 && all.length > 0) bits |= 1 << slot;
        if (slot >= 0 && all.length > 1) repeated |= 1 << slot;
      }
      assert.equal(m.headerBits, bits);
      assert.equal(m.repeatedHeaderBits, repeated);
    }
  });
});

describe('patterns: linear time on hostile input', () => {
  it('long runs of every kind take milliseconds, not seconds', () => {
    const n = 60_000;
    const values = [
      'SIP/2.0/UDP ' + 'a.'.repeat(n / 2) + '-',
      'SIP/2.0/UDP ' + 'a-'.repeat(n / 2) + ':',
      'SIP/2.0/UDP ' + '1.'.repeat(n / 2) + 'x',
      'SIP/2.0/UDP h' + ';a=b'.repeat(n / 4) + ' x',
      'SIP/2.0/UDP h;' + 'a'.repeat(n) + '=',
      '"' + '\\"'.repeat(n / 2),
      'a '.repeat(n / 2) + 'x',
      '<sip:' + 'a'.repeat(n) + '>;' + 't=1;'.repeat(n / 4),
      'sip:' + 'a'.repeat(n) + ' ',
    ];
    for (const v of values) {
      const x = withHeader('Via', v);
      if (!x) continue;
      const t0 = performance.now();
      parseViaFieldFast(x.m.head, x.h, []);
      isNameAddrFast(x.m.head, x.h);
      parseNameAddrFast(x.m.head, x.m.buf, x.h);
      parseCSeqFast(x.m.head, x.m.buf, x.h.valueStart, x.h.valueEnd);
      isSipUriWithoutHeaders(x.m.head, x.h.valueStart, x.h.valueEnd);
      isSipUriWithoutHeaders('sip:' + v, 0, v.length + 4);
      const ms = performance.now() - t0;
      assert.ok(ms < 250, `${ms.toFixed(0)} ms for ${JSON.stringify(v.slice(0, 40))}...`);
    }
  });
});
