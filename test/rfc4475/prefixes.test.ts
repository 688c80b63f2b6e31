// Robustness: truncated and mutated torture messages must either parse or throw SipParseError
// (and nothing else), the validators and every typed getter likewise, and all of it quickly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from '../../src/sip/parser/errors.js';
import { frameStream, parseMessage, type SipMessage } from '../../src/sip/parser/message.js';
import { parseUri } from '../../src/sip/parser/uri.js';
import { checkRequest, checkResponse } from '../../src/sip/validate.js';
import { EXPECTATIONS } from './expectations.js';
import { fixture } from './fixtures.js';
import { prng } from '../helpers/prng.js';

/** Run f; a SipParseError is an acceptable outcome, anything else fails the test. */
function tolerate(what: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (e instanceof SipParseError) {
      assert.equal(typeof e.code, 'string');
      assert.ok(e.status >= 400 && e.status < 600);
      return;
    }
    throw new Error(`${what}: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

function exercise(m: SipMessage, what: string): void {
  tolerate(what + ' check', () => (m.isRequest ? checkRequest(m) : checkResponse(m)));
  tolerate(what + ' vias', () => m.vias);
  tolerate(what + ' via1', () => m.via1);
  tolerate(what + ' cseq', () => m.cseq);
  tolerate(what + ' callId', () => m.callId);
  tolerate(what + ' from', () => m.from);
  tolerate(what + ' to', () => m.to);
  tolerate(what + ' maxForwards', () => m.maxForwards);
  tolerate(what + ' contentLength', () => m.contentLength);
  tolerate(what + ' contacts', () => {
    const c = m.contacts;
    if (c !== '*') for (const x of c) parseUri(x.uri);
  });
  tolerate(what + ' routes', () => m.routes);
  tolerate(what + ' recordRoutes', () => m.recordRoutes);
  tolerate(what + ' uri', () => m.uri);
  tolerate(what + ' body', () => m.body.length);
  for (const h of m.headers) {
    assert.ok(h.start <= h.valueStart && h.valueStart <= h.valueEnd && h.valueEnd <= h.end && h.end <= m.bodyStart, what);
    m.value(h);
  }
}

let slowest = 0;

/** Everything the server would do with `buf` arriving as a datagram and on a stream. */
function hammer(buf: Buffer, what: string): void {
  const t0 = performance.now();
  let m: SipMessage | undefined;
  tolerate(what + ' parse', () => (m = parseMessage(buf)));
  if (m) exercise(m, what);
  tolerate(what + ' partial', () => {
    try {
      parseMessage(buf);
    } catch (e) {
      if (e instanceof SipParseError && e.partial) exercise(e.partial, what + ' (partial)');
      throw e;
    }
  });
  let offset = 0;
  for (let n = 0; n < 8 && offset <= buf.length; n++) {
    const f = frameStream(buf, offset, 65536);
    if (f.kind === 'message') {
      assert.ok(f.start >= offset && f.end > f.start && f.end <= buf.length, what);
      let sm: SipMessage | undefined;
      tolerate(what + ' stream parse', () => (sm = parseMessage(buf.subarray(f.start, f.end), 'stream')));
      if (sm) exercise(sm, what + ' (stream)');
      offset = f.end;
    } else if (f.kind === 'keepalive') {
      assert.ok(f.end > offset && f.end <= buf.length, what);
      offset = f.end;
    } else {
      if (f.kind === 'error') assert.ok(f.error instanceof SipParseError);
      break;
    }
  }
  slowest = Math.max(slowest, performance.now() - t0);
}


const SPECIAL = Buffer.from('\r\n \t:;,<>"\\%@[]=?/*\0\x7f\xff0123456789', 'latin1');

function mutate(src: Buffer, rnd: () => number): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  const b = Buffer.from(src);
  const pos = pick(b.length);
  switch (pick(7)) {
    case 0: // random byte
      b[pos] = pick(256);
      return b;
    case 1: // a byte that matters to the grammar
      b[pos] = SPECIAL[pick(SPECIAL.length)];
      return b;
    case 2: // delete a range
      return Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + pick(16)))]);
    case 3: {
      // duplicate a range
      const end = Math.min(b.length, pos + 1 + pick(64));
      return Buffer.concat([b.subarray(0, end), b.subarray(pos, end), b.subarray(end)]);
    }
    case 4: {
      // insert special bytes
      const ins = Buffer.alloc(1 + pick(4));
      for (let i = 0; i < ins.length; i++) ins[i] = SPECIAL[pick(SPECIAL.length)];
      return Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
    }
    case 5: // several byte flips
      for (let i = 0; i < 4; i++) b[pick(b.length)] = SPECIAL[pick(SPECIAL.length)];
      return b;
    default: // a digit run made long
      return Buffer.concat([b.subarray(0, pos), Buffer.from('9'.repeat(1 + pick(30))), b.subarray(pos)]);
  }
}

const MUTATIONS = 2000;

describe('RFC 4475 robustness', () => {
  it('every prefix of every fixture parses or throws SipParseError', () => {
    slowest = 0;
    for (const { name } of EXPECTATIONS) {
      const buf = fixture(name);
      for (let n = 0; n <= buf.length; n++) hammer(buf.subarray(0, n), `${name}[0,${n})`);
    }
    assert.ok(slowest < 250, `slowest prefix took ${slowest.toFixed(1)} ms`);
  });

  it(`${MUTATIONS} seeded mutations per fixture parse or throw SipParseError`, () => {
    slowest = 0;
    let seed = 4475;
    for (const { name } of EXPECTATIONS) {
      const src = fixture(name);
      const rnd = prng(seed++);
      let cur = src;
      for (let i = 0; i < MUTATIONS; i++) {
        // mostly single mutations of the original, sometimes a chain of them
        cur = rnd() < 0.7 ? mutate(src, rnd) : mutate(cur.length > 0 && cur.length < 8192 ? cur : src, rnd);
        hammer(cur, `${name} mutation ${i}`);
      }
    }
    assert.ok(slowest < 250, `slowest mutation took ${slowest.toFixed(1)} ms`);
  });
});

describe('hostile input is bounded', () => {
  const head = 'OPTIONS sip:x@example.com SIP/2.0\r\n';
  // Sized to stay under the 64 KiB head cap, so that the per-structure caps are what stops them,
  // plus a few far larger ones that the head cap stops.
  const cases: Array<[string, string]> = [
    ['10000 header lines', head + 'X: y\r\n'.repeat(10000) + '\r\n'],
    ['4000 Via values', head + 'Via: ' + 'SIP/2.0/UDP a,'.repeat(4000) + 'SIP/2.0/UDP a\r\n\r\n'],
    ['200 Via fields of 20 values', head + ('Via: ' + 'SIP/2.0/UDP a,'.repeat(19) + 'SIP/2.0/UDP a\r\n').repeat(200) + '\r\n'],
    ['5000 Contact values', head + 'Contact: ' + '<sip:a@b>,'.repeat(5000) + '<sip:a@b>\r\n\r\n'],
    ['25000 params', head + 'Via: SIP/2.0/UDP a' + ';p'.repeat(25000) + '\r\n\r\n'],
    ['a 60 KB header value', head + 'Subject: ' + 'a'.repeat(60000) + '\r\n\r\n'],
    ['20000 folds', head + 'Subject: a' + '\r\n b'.repeat(20000) + '\r\n\r\n'],
    ['60 KB of digits in CSeq', head + 'CSeq: ' + '9'.repeat(60000) + ' OPTIONS\r\n\r\n'],
    ['an unterminated quote', head + 'From: "' + 'a'.repeat(60000) + '\r\n\r\n'],
    ['15000 nested <', head + 'From: ' + '<'.repeat(15000) + '\r\nContact: ' + '"a",'.repeat(10000) + '\r\n\r\n'],
    ['1 MB of CRLF', '\r\n'.repeat(1 << 19)],
    ['1 MB without a line end', 'OPTIONS ' + 'a'.repeat(1 << 20)],
    ['100000 header lines', head + 'X: y\r\n'.repeat(100000) + '\r\n'],
    ['a 1 MB body', head + 'Content-Length: 1048576\r\n\r\n' + 'b'.repeat(1 << 20)],
  ];
  for (const [what, text] of cases) {
    it(what, () => {
      const t0 = performance.now();
      hammer(Buffer.from(text, 'latin1'), what);
      assert.ok(performance.now() - t0 < 2000, what);
    });
  }
});
