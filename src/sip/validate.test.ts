import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { msgOf, request } from './parser/test-util.js';
import { checkRequest, checkResponse, isBroadcastNextHop, KNOWN_METHODS, optionTags } from './validate.js';

const BASE = [
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
];

function req(first: string, lines: string[]) {
  return msgOf([first, ...lines]);
}

describe('checkRequest', () => {
  it('accepts a plain request', () => {
    assert.equal(checkRequest(request()), undefined);
    assert.equal(checkRequest(request([], 'INVITE', 'sips:bob@biloxi.example.com')), undefined);
    assert.equal(checkRequest(request([], 'MESSAGE', 'tel:+15551234567')), undefined);
  });

  it('505 for another SIP version (RFC 3261 §21.5.6)', () => {
    const r = checkRequest(req('OPTIONS sip:x@example.com SIP/3.0', [...BASE, 'CSeq: 1 OPTIONS']));
    assert.equal(r?.status, 505);
    assert.equal(r?.reason, 'Version Not Supported');
    assert.equal(checkRequest(req('OPTIONS sip:x@example.com sip/2.0', [...BASE, 'CSeq: 1 OPTIONS'])), undefined);
  });

  it('400 for extra SP in the Request-Line (RFC 4475 lwsstart, trws)', () => {
    assert.equal(checkRequest(req('OPTIONS  sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 OPTIONS']))?.code, 'E_FIRST_LINE');
    assert.equal(checkRequest(req('OPTIONS sip:x@example.com SIP/2.0 ', [...BASE, 'CSeq: 1 OPTIONS']))?.status, 400);
  });

  it('400 when a mandatory header field is missing (RFC 3261 §8.1.1); Max-Forwards is optional', () => {
    for (let i = 0; i < BASE.length; i++) {
      const lines = [...BASE.slice(0, i), ...BASE.slice(i + 1), 'CSeq: 1 OPTIONS'];
      const r = checkRequest(req('OPTIONS sip:x@example.com SIP/2.0', lines));
      assert.equal(r?.status, 400, BASE[i]);
      assert.equal(r?.code, 'E_MISSING');
    }
    assert.equal(checkRequest(req('OPTIONS sip:x@example.com SIP/2.0', BASE))?.code, 'E_MISSING');
    assert.equal(checkRequest(req('OPTIONS sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 OPTIONS'])), undefined);
  });

  it('400 when a single-valued header field repeats (RFC 3261 §7.3.1)', () => {
    for (const dup of ['To: <sip:c@example.com>', 'f: <sip:c@example.com>;tag=2', 'i: other', 'CSeq: 1 OPTIONS', 'Max-Forwards: 1', 'Content-Length: 0', 'c: text/plain']) {
      const r = checkRequest(request([dup, ...(dup.startsWith('c:') ? ['Content-Type: text/plain'] : [])]));
      assert.equal(r?.code, 'E_MULTIPLE', dup);
    }
    assert.equal(checkRequest(request(['Via: SIP/2.0/UDP second.example.com'])), undefined);
  });

  it('400 when a header the proxy reads does not parse', () => {
    assert.equal(checkRequest(request(['Via: SIP/2.0/UDP h.example;;']))?.code, 'E_VIA');
    assert.equal(checkRequest(request(['Contact: <sip:a@h.example>;;']))?.code, 'E_CONTACT');
    assert.equal(checkRequest(request(['Route: sip:p.example.com']))?.code, 'E_ROUTE');
    const badFrom = req('OPTIONS sip:x@example.com SIP/2.0', [BASE[0], BASE[1], 'From: "unterminated <sip:a@b.example>', BASE[3], 'CSeq: 1 OPTIONS']);
    assert.equal(checkRequest(badFrom)?.code, 'E_FROM');
    const badCseq = req('OPTIONS sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 99999999999 OPTIONS']);
    assert.equal(checkRequest(badCseq)?.code, 'E_CSEQ');
  });

  it('Max-Forwards: not digits is 400, above 255 is treated as absent (RFC 4475 §3.1.2.4)', () => {
    const mf = (v: string) => req('OPTIONS sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 OPTIONS', 'Max-Forwards: ' + v]);
    assert.equal(checkRequest(mf('ten'))?.code, 'E_MAX_FORWARDS');
    assert.equal(checkRequest(mf('300')), undefined);
    assert.equal(checkRequest(mf('0')), undefined);
  });

  it('CSeq method must match: 400, or 501 for a method we do not know (RFC 4475 mismatch01/02)', () => {
    const r1 = checkRequest(req('OPTIONS sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 INVITE']));
    assert.equal(r1?.status, 400);
    assert.equal(r1?.code, 'E_CSEQ_METHOD');
    const r2 = checkRequest(req('NEWMETHOD sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 INVITE']));
    assert.equal(r2?.status, 501);
    assert.equal(r2?.reason, 'Not Implemented');
    assert.equal(checkRequest(req('NEWMETHOD sip:x@example.com SIP/2.0', [...BASE, 'CSeq: 1 NEWMETHOD'])), undefined);
    assert.ok(KNOWN_METHODS.has('PUBLISH') && KNOWN_METHODS.has('INFO') && !KNOWN_METHODS.has('NEWMETHOD'));
  });

  it('Request-URI: 400 malformed, 416 other scheme, 400 escaped headers (RFC 4475 ltgtruri, unkscm, escruri)', () => {
    const r = (ruri: string) => checkRequest(request([], 'OPTIONS', ruri));
    assert.equal(r('<sip:x@example.com>')?.status, 400);
    assert.equal(r('sip:x@example.com;;')?.code, 'E_URI');
    const u = r('http://example.com/');
    assert.equal(u?.status, 416);
    assert.equal(u?.reason, 'Unsupported URI Scheme');
    assert.equal(r('sip:x@example.com?Route=%3Csip:example.com%3E')?.status, 400);
  });

  it('420 with Unsupported for Proxy-Require, not for ACK/CANCEL (RFC 3261 §16.3 item 5)', () => {
    const r = checkRequest(request(['Proxy-Require: foo, bar', 'Proxy-Require: baz', 'Require: ignored-by-proxies']));
    assert.equal(r?.status, 420);
    assert.equal(r?.reason, 'Bad Extension');
    assert.deepEqual(r?.headers, ['Unsupported: foo, bar, baz']);
    assert.equal(checkRequest(request(['Proxy-Require: foo'], 'ACK')), undefined);
    assert.equal(checkRequest(request(['Proxy-Require: foo'], 'CANCEL')), undefined);
    assert.equal(checkRequest(request(['Proxy-Require: ']))?.status, undefined);
    assert.deepEqual(optionTags(request(['Proxy-Require: a ,b,, c']), 'proxy-require'), ['a', 'b', 'c']);
  });

  it('a response is not a request', () => {
    assert.equal(checkRequest(msgOf(['SIP/2.0 200 OK', ...BASE, 'CSeq: 1 OPTIONS']))?.status, 400);
  });
});

describe('checkResponse', () => {
  const resp = (first: string, extra: string[] = [], cseq = 'CSeq: 1 INVITE') => msgOf([first, ...BASE, ...extra, cseq]);
  it('accepts ordinary responses', () => {
    assert.equal(checkResponse(resp('SIP/2.0 200 OK')), true);
    assert.equal(checkResponse(resp('SIP/2.0 100 ')), true);
    assert.equal(checkResponse(resp('SIP/2.0 699 x')), true);
  });
  it('drops codes outside 100..699 (RFC 4475 bigcode)', () => {
    assert.equal(checkResponse(resp('SIP/2.0 99 x')), false);
    assert.equal(checkResponse(resp('SIP/2.0 700 x')), false);
    assert.equal(checkResponse(resp('SIP/2.0 4294967301 x')), false);
  });
  it('drops other versions, bad CSeq (scalarlg), bad or missing Via, missing Call-ID/From/To', () => {
    assert.equal(checkResponse(resp('SIP/3.0 200 OK')), false);
    assert.equal(checkResponse(resp('SIP/2.0 200 OK', [], 'CSeq: 9292394834772304023312 OPTIONS')), false);
    assert.equal(checkResponse(resp('SIP/2.0 200 OK', ['Via: SIP/2.0/UDP ;'])), false);
    assert.equal(checkResponse(msgOf(['SIP/2.0 200 OK', ...BASE.slice(1), 'CSeq: 1 INVITE'])), false);
    assert.equal(checkResponse(msgOf(['SIP/2.0 200 OK', BASE[0], BASE[1], BASE[2], 'CSeq: 1 INVITE'])), false);
    assert.equal(checkResponse(request()), false);
  });
  it('drops a response whose next Via is the broadcast address (RFC 4475 §3.3.10 bcast)', () => {
    const b = resp('SIP/2.0 200 OK', ['Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK1']);
    assert.equal(isBroadcastNextHop(b), true);
    assert.equal(checkResponse(b), false);
    const r = resp('SIP/2.0 200 OK', ['Via: SIP/2.0/UDP h.example;received=255.255.255.255']);
    assert.equal(checkResponse(r), false);
    assert.equal(checkResponse(resp('SIP/2.0 200 OK', ['Via: SIP/2.0/UDP 192.0.2.1'])), true);
  });
});
