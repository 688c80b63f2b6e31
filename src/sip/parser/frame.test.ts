import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameStream, type Frame } from './frame.js';
import { MAX_HEAD } from './limits.js';
import { parseMessage } from './message.js';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const MSG = 'OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h.example;branch=z9hG4bK1\r\nContent-Length: 4\r\n\r\nbody';
const MSG2 = 'BYE sip:x@example.com SIP/2.0\r\nl: 0\r\n\r\n';

function errorCode(f: Frame): string {
  assert.equal(f.kind, 'error');
  return f.kind === 'error' ? f.error.code : '';
}

describe('frameStream (RFC 3261 §18.3)', () => {
  it('frames one message by Content-Length', () => {
    const f = frameStream(bytes(MSG), 0, 65536);
    assert.deepEqual(f, { kind: 'message', start: 0, end: MSG.length });
  });

  it('two messages back to back, then incomplete', () => {
    const buf = bytes(MSG + MSG2 + 'INVITE sip:');
    const a = frameStream(buf, 0, 65536);
    assert.deepEqual(a, { kind: 'message', start: 0, end: MSG.length });
    const b = frameStream(buf, MSG.length, 65536);
    assert.deepEqual(b, { kind: 'message', start: MSG.length, end: MSG.length + MSG2.length });
    assert.equal(parseMessage(buf.subarray(MSG.length, MSG.length + MSG2.length), 'stream').method, 'BYE');
    assert.deepEqual(frameStream(buf, MSG.length + MSG2.length, 65536), { kind: 'incomplete' });
  });

  it('every prefix of a message is incomplete', () => {
    for (let n = 0; n < MSG.length; n++) {
      assert.equal(frameStream(bytes(MSG.slice(0, n)), 0, 65536).kind, 'incomplete', String(n));
    }
  });

  it('skips CRLFs before the start line (RFC 3261 §7.5)', () => {
    const f = frameStream(bytes('\r\n' + MSG), 0, 65536);
    assert.deepEqual(f, { kind: 'message', start: 2, end: 2 + MSG.length });
    assert.deepEqual(frameStream(bytes('\n\n' + MSG2), 0, 65536), { kind: 'message', start: 2, end: 2 + MSG2.length });
  });

  it('a CRLFCRLF ping is a keepalive (RFC 5626 §3.5.1)', () => {
    assert.deepEqual(frameStream(bytes('\r\n\r\n'), 0, 65536), { kind: 'keepalive', end: 4 });
    assert.deepEqual(frameStream(bytes('\r\n\r\n' + MSG2), 0, 65536), { kind: 'keepalive', end: 4 });
    assert.deepEqual(frameStream(bytes(MSG2 + '\r\n\r\n'), MSG2.length, 65536), { kind: 'keepalive', end: MSG2.length + 4 });
    for (const partial of ['\r', '\r\n', '\r\n\r']) assert.deepEqual(frameStream(bytes(partial), 0, 65536), { kind: 'incomplete' });
  });

  it('bare LF line ends and folded Content-Length', () => {
    const t = 'BYE sip:x@example.com SIP/2.0\nContent-Length:\n 3\n\nabc';
    assert.deepEqual(frameStream(bytes(t), 0, 65536), { kind: 'message', start: 0, end: t.length });
  });

  it('Content-Length is mandatory and must be sane (RFC 4475 ncl, mcl01)', () => {
    assert.equal(errorCode(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\n\r\n'), 0, 65536)), 'E_CONTENT_LENGTH');
    assert.equal(errorCode(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\nContent-Length: -999\r\n\r\n'), 0, 65536)), 'E_CONTENT_LENGTH');
    assert.equal(errorCode(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\nl: five\r\n\r\n'), 0, 65536)), 'E_CONTENT_LENGTH');
    assert.equal(errorCode(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\nContent-Length: 13\r\nl: 5\r\n\r\n'), 0, 65536)), 'E_CONTENT_LENGTH');
    assert.equal(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\nContent-Length: 1\r\nl: 1\r\n\r\nx'), 0, 65536).kind, 'message');
  });

  it('clerr over TCP: waits for the body that never comes (RFC 4475 §3.1.2.2)', () => {
    assert.deepEqual(frameStream(bytes('INVITE sip:x@example.com SIP/2.0\r\nContent-Length: 9999\r\n\r\nv=0\r\n'), 0, 65536), { kind: 'incomplete' });
  });

  it('oversize messages and heads are errors', () => {
    const f = frameStream(bytes(MSG), 0, MSG.length - 1);
    assert.equal(errorCode(f), 'E_TOO_LARGE');
    assert.equal(f.kind === 'error' && f.error.status, 513);
    assert.equal(errorCode(frameStream(bytes('BYE sip:x@example.com SIP/2.0\r\nl: 100000\r\n\r\n'), 0, 65536)), 'E_TOO_LARGE');
    const endless = bytes('BYE sip:x@example.com SIP/2.0\r\nX: ' + 'a'.repeat(200));
    assert.equal(frameStream(endless, 0, 1000).kind, 'incomplete');
    assert.equal(errorCode(frameStream(endless, 0, 100)), 'E_TOO_LARGE');
    const hugeHead = bytes('BYE sip:x@example.com SIP/2.0\r\nX: ' + 'a'.repeat(MAX_HEAD + 10));
    assert.equal(errorCode(frameStream(hugeHead, 0, 10 * MAX_HEAD)), 'E_TOO_LARGE');
    assert.equal(errorCode(frameStream(bytes('\n'.repeat(100)), 0, 50)), 'E_TOO_LARGE');
    assert.equal(frameStream(bytes('\n'.repeat(40)), 0, 50).kind, 'incomplete');
  });

  it('finds a head end beyond the first decoding window', () => {
    const t = 'BYE sip:x@example.com SIP/2.0\r\nX: ' + 'a'.repeat(5000) + '\r\nl: 1\r\n\r\nz';
    assert.deepEqual(frameStream(bytes(t), 0, 65536), { kind: 'message', start: 0, end: t.length });
  });
});
