import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { parseContentLength, parseMaxForwards } from './scalars.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const mf = (s: string) => parseMaxForwards(b(s), 0, s.length);
const cl = (s: string) => parseContentLength(b(s), 0, s.length);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof SipParseError);
    return e.code;
  }
  return undefined;
};

describe('Max-Forwards (RFC 3261 §20.22)', () => {
  it('1*DIGIT, leading zeros allowed (RFC 4475 wsinv 0068)', () => {
    assert.equal(mf('70'), 70);
    assert.equal(mf('0068'), 68);
    assert.equal(mf('0'), 0);
    assert.equal(mf('255'), 255);
  });
  it('above 255 is E_MAX_FORWARDS_RANGE (RFC 4475 §3.1.2.4), not digits E_MAX_FORWARDS', () => {
    assert.equal(code(() => mf('256')), 'E_MAX_FORWARDS_RANGE');
    assert.equal(code(() => mf('300')), 'E_MAX_FORWARDS_RANGE');
    assert.equal(code(() => mf('1'.repeat(40))), 'E_MAX_FORWARDS_RANGE');
    for (const v of ['', 'x', '-1', '1 2', '7O', '1'.repeat(40) + 'x']) assert.equal(code(() => mf(v)), 'E_MAX_FORWARDS', v);
  });
});

describe('Content-Length (RFC 3261 §20.14)', () => {
  it('forms', () => {
    assert.equal(cl('0'), 0);
    assert.equal(cl('150'), 150);
    assert.equal(cl('  000150  '), 150);
  });
  it('negative, non-numeric, huge (RFC 4475 ncl)', () => {
    for (const v of ['-999', 'five', '', '1 5', '5,5', '+5', '99999999999']) assert.equal(code(() => cl(v)), 'E_CONTENT_LENGTH', v);
  });
});
