import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { MAX_HEAD, MAX_HEADERS } from './limits.js';
import { parseMessage } from './message.js';
import { msgOf, request, sipText } from './test-util.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
function fails(text: string | Buffer, code: string, framing?: 'datagram' | 'stream'): SipParseError {
  const buf = typeof text === 'string' ? bytes(text) : text;
  try {
    parseMessage(buf, framing);
  } catch (e) {
    assert.ok(e instanceof SipParseError, String(e));
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail('parsed');
}

describe('parseMessage: head index (RFC 3261 §7)', () => {
  it('indexes every header field with offsets into buf and head', () => {
    const text = sipText(['OPTIONS sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/UDP h.example;branch=z9hG4bK1', 'Call-ID:  abc@h  ', 'Content-Length: 0']);
    const m = parseMessage(bytes(text));
    assert.equal(m.isRequest, true);
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.ruri, 'sip:bob@example.com');
    assert.equal(m.head.slice(m.ruriStart, m.ruriEnd), m.ruri);
    assert.equal(m.version, 'SIP/2.0');
    assert.equal(m.status, 0);
    assert.equal(m.headers.length, 3);
    const cid = m.header('call-id')!;
    assert.equal(text.slice(cid.start, cid.end), 'Call-ID:  abc@h  \r\n');
    assert.equal(text.slice(cid.valueStart, cid.valueEnd), 'abc@h');
    assert.equal(m.value(cid), 'abc@h');
    assert.equal(m.buf.toString('latin1', cid.valueStart, cid.valueEnd), 'abc@h');
    assert.equal(m.bodyStart, text.length);
    assert.equal(m.head, text);
    assert.equal(m.body.length, 0);
    assert.equal(m.contentLength, 0);
    assert.equal(m.header('nope'), undefined);
  });

  it('responses', () => {
    const m = msgOf(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h.example;branch=z9hG4bK1', 'Content-Length: 0']);
    assert.equal(m.isRequest, false);
    assert.equal(m.status, 200);
    assert.equal(m.reason, 'OK');
    assert.equal(m.method, '');
    assert.equal(m.ruri, '');
    assert.throws(() => m.uri, SipParseError);
  });

  it('folded values: offsets span the continuation lines, value() turns CR/LF into SP', () => {
    const text = sipText(['OPTIONS sip:x@example.com SIP/2.0', 'Subject: first', '  second', '\tthird', 'Content-Length: 0']);
    const m = parseMessage(bytes(text));
    const h = m.header('subject')!;
    assert.equal(h.folded, true);
    assert.equal(text.slice(h.valueStart, h.valueEnd), 'first\r\n  second\r\n\tthird');
    assert.equal(m.value(h), 'first    second  \tthird');
    assert.equal(m.value(h).length, h.valueEnd - h.valueStart);
    assert.equal(text.slice(h.start, h.end), 'Subject: first\r\n  second\r\n\tthird\r\n');
  });

  it('value() of a field object made elsewhere (folded unknown) still unfolds', () => {
    const text = sipText(['OPTIONS sip:x@example.com SIP/2.0', 'Subject: a', ' b', 'Content-Length: 0']);
    const m = parseMessage(bytes(text));
    const h = m.header('subject')!;
    assert.equal(m.value({ name: h.name, start: h.start, valueStart: h.valueStart, valueEnd: h.valueEnd, end: h.end }), 'a   b');
  });

  it('a value starting on a continuation line, and empty values', () => {
    const m = msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'TO :', ' sip:a@example.com', 's :', 'X-Empty:', 'Content-Length: 0']);
    assert.equal(m.value(m.header('to')!), 'sip:a@example.com');
    assert.equal(m.value(m.header('subject')!), '');
    const e = m.header('x-empty')!;
    assert.equal(e.valueStart, e.valueEnd);
  });

  it('headersNamed and compact forms', () => {
    const m = request(['Contact: <sip:a@h.example>', 'm: <sip:b@h.example>']);
    assert.deepEqual(m.headersNamed('contact').map((h) => m.value(h)), ['<sip:a@h.example>', '<sip:b@h.example>']);
    assert.deepEqual(m.headersNamed('x'), []);
  });

  it('tolerates bare LF line ends and leading CRLFs (RFC 3261 §7.5)', () => {
    const m = parseMessage(bytes('\r\n\r\nOPTIONS sip:x@example.com SIP/2.0\nVia: SIP/2.0/UDP h.example\nContent-Length: 4\n\nbody'));
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.via1.host, 'h.example');
    assert.equal(m.body.toString(), 'body');
  });

  it('refuses a bare CR anywhere in the head', () => {
    fails('OPTIONS sip:x@example.com\rSIP/2.0\r\n\r\n', 'E_FIRST_LINE');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nSubject: a\rb\r\n\r\n', 'E_HEADER');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nSubject: a\r\n\r', 'E_HEADER');
  });

  it('refuses malformed header lines', () => {
    fails('OPTIONS sip:x@example.com SIP/2.0\r\n folded: first\r\n\r\n', 'E_HEADER');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nNoColon\r\n\r\n', 'E_HEADER');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\n: value\r\n\r\n', 'E_HEADER');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nBad Name: value\r\n\r\n', 'E_HEADER');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nBad@Name: value\r\n\r\n', 'E_HEADER');
  });

  it('refuses empty and truncated messages', () => {
    fails('', 'E_FIRST_LINE');
    fails('\r\n\r\n', 'E_FIRST_LINE');
    fails('OPTIONS sip:x@example.com SIP/2.0', 'E_FIRST_LINE');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\n', 'E_HEAD');
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h', 'E_HEADER');
  });

  it('a datagram ending after a complete header line is read as having no body', () => {
    const m = parseMessage(bytes('OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: a\r\nl: 0\r\n'));
    assert.equal(m.headers.length, 2);
    assert.equal(m.body.length, 0);
    fails('OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: a\r\nl: 0\r\n', 'E_HEAD', 'stream');
  });

  it(`caps the head at ${MAX_HEADERS} header fields and ${MAX_HEAD} bytes`, () => {
    const lines = ['OPTIONS sip:x@example.com SIP/2.0'];
    for (let i = 0; i < MAX_HEADERS; i++) lines.push('X-H: ' + i);
    assert.equal(msgOf(lines).headers.length, MAX_HEADERS);
    lines.push('X-H: one too many');
    const many = fails(sipText(lines), 'E_HEADER');
    // RFC 3261 §21.5.14: 513, with the first header fields indexed so that it can be answered
    assert.equal(many.status, 513);
    assert.equal(many.partial?.headers.length, MAX_HEADERS);
    assert.equal(many.partial?.method, 'OPTIONS');
    const big = 'OPTIONS sip:x@example.com SIP/2.0\r\nX-Big: ' + 'a'.repeat(MAX_HEAD) + '\r\n\r\n';
    const e = fails(big, 'E_TOO_LARGE');
    assert.equal(e.status, 513);
    // just under the cap: fine, and found past the first decoding window
    const ok = 'OPTIONS sip:x@example.com SIP/2.0\r\nX-Big: ' + 'a'.repeat(MAX_HEAD - 100) + '\r\nContent-Length: 3\r\n\r\nabc';
    assert.equal(parseMessage(bytes(ok)).body.toString(), 'abc');
  });
});

describe('parseMessage: body framing (RFC 3261 §18.3, §20.14)', () => {
  const head = ['INVITE sip:x@example.com SIP/2.0', 'Via: SIP/2.0/UDP h.example'];

  it('the body is Content-Length bytes; extra datagram bytes are not part of the message (RFC 4475 dblreq)', () => {
    const text = sipText([...head, 'Content-Length: 4'], 'bodyEXTRA');
    const m = parseMessage(bytes(text));
    assert.equal(m.body.toString(), 'body');
    assert.equal(m.buf.length, text.length - 5);
    assert.equal(m.contentLength, 4);
  });

  it('without Content-Length a datagram body is the rest (RFC 4475 inv2543)', () => {
    const m = msgOf(head, 'v=0\r\n');
    assert.equal(m.contentLength, undefined);
    assert.equal(m.body.toString(), 'v=0\r\n');
  });

  it('the body is binary-safe and never split at line ends', () => {
    const body = Buffer.from([0, 13, 10, 13, 10, 255, 10, 10]);
    const buf = Buffer.concat([bytes(sipText([...head, 'Content-Length: 8'])), body]);
    assert.deepEqual(parseMessage(buf).body, body);
  });

  it('Content-Length larger than the datagram is an error with the parsed head attached (RFC 4475 clerr)', () => {
    const e = fails(sipText([...head, 'Content-Length: 9999'], 'short'), 'E_CONTENT_LENGTH');
    assert.equal(e.status, 400);
    assert.ok(e.partial);
    assert.equal(e.partial.via1.host, 'h.example');
    assert.equal(e.partial.method, 'INVITE');
  });

  it('negative, non-numeric and conflicting values are errors (RFC 4475 ncl, mcl01)', () => {
    fails(sipText([...head, 'Content-Length: -999'], 'x'), 'E_CONTENT_LENGTH');
    fails(sipText([...head, 'Content-Length: five'], 'x'), 'E_CONTENT_LENGTH');
    fails(sipText([...head, 'Content-Length: 13', 'l: 5'], 'x'.repeat(20)), 'E_CONTENT_LENGTH');
  });

  it('equal repeated values frame fine (the validator refuses the repetition)', () => {
    assert.equal(msgOf([...head, 'Content-Length: 2', 'l: 2'], 'ab').body.toString(), 'ab');
  });

  it('stream framing needs Content-Length (RFC 3261 §18.3)', () => {
    fails(sipText(head, 'x'), 'E_CONTENT_LENGTH', 'stream');
    assert.equal(parseMessage(bytes(sipText([...head, 'l: 1'], 'x')), 'stream').body.toString(), 'x');
  });
});

describe('typed getters', () => {
  it('cseq, callId, maxForwards, uri are cached', () => {
    const m = request([], 'INVITE', 'sip:bob@biloxi.example.com;transport=tcp');
    assert.deepEqual(m.cseq, { seq: 314159, method: 'INVITE' });
    assert.equal(m.cseq, m.cseq);
    assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
    assert.equal(m.maxForwards, 70);
    assert.equal(m.uri.host, 'biloxi.example.com');
    assert.equal(m.uri, m.uri);
    assert.equal(m.via1, m.via1);
    assert.equal(m.from, m.from);
  });

  it('missing values', () => {
    const m = msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'Content-Length: 0']);
    assert.equal(m.maxForwards, undefined);
    for (const [get, code] of [
      [() => m.cseq, 'E_CSEQ'],
      [() => m.callId, 'E_CALL_ID'],
      [() => m.via1, 'E_VIA'],
    ] as const) {
      assert.throws(get, (e: unknown) => e instanceof SipParseError && e.code === code);
    }
  });

  it('Call-ID must be one word without LWS', () => {
    assert.throws(() => msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'Call-ID: a b']).callId, SipParseError);
    const m = msgOf(['OPTIONS sip:x@example.com SIP/2.0', 'Call-ID:', 'Content-Length: 0']);
    assert.throws(() => m.callId, SipParseError);
    assert.equal(msgOf(['OPTIONS sip:x@example.com SIP/2.0', "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"]).callId, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  });
});
