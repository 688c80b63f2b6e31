import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CSEQ, parseCSeq } from './cseq.js';
import { SipParseError } from './errors.js';

const cseq = (s: string) => parseCSeq(s, Buffer.from(s, 'latin1'), 0, s.length);

describe('CSeq (RFC 3261 §20.16)', () => {
  it('number and method', () => {
    assert.deepEqual(cseq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
    assert.deepEqual(cseq('0009\r\n  INVITE'), { seq: 9, method: 'INVITE' });
    assert.deepEqual(cseq("139122385 !interesting-Method0123456789_*+`.%indeed'~"), { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
    assert.deepEqual(cseq('0 ACK'), { seq: 0, method: 'ACK' });
  });
  it('2**32-1 is the largest number (RFC 3261 §8.1.1.5, RFC 4475 scalar02 / scalarlg)', () => {
    assert.equal(cseq(`${MAX_CSEQ} BYE`).seq, 4294967295);
    assert.throws(() => cseq('4294967296 BYE'), (e: unknown) => e instanceof SipParseError && e.code === 'E_CSEQ');
    assert.throws(() => cseq('36893488147419103232 REGISTER'), SipParseError);
    assert.throws(() => cseq('9292394834772304023312 OPTIONS'), SipParseError);
  });
  it('refuses malformed values', () => {
    for (const v of ['', 'INVITE', '1', '1INVITE', '-1 INVITE', '1 INVITE x', '1 INVITE, 2 INVITE', '1 IN/VITE', '1.5 INVITE']) {
      assert.throws(() => cseq(v), SipParseError, v);
    }
  });
});
