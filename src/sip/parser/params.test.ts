import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError } from './errors.js';
import { MAX_PARAMS, paramValue, parseParams, type Param } from './params.js';

function parse(text: string): { params: Param[]; end: number } {
  const params: Param[] = [];
  const end = parseParams(text, Buffer.from(text, 'latin1'), 0, text.length, params, 'E_X');
  return { params, end };
}

describe('generic-param lists (RFC 3261 §25.1)', () => {
  it('names lower-cased, values as written, null without =', () => {
    const { params, end } = parse(';Tag=AbC;lr;Q=0.5');
    assert.deepEqual(params.map((p) => [p.name, p.value]), [['tag', 'AbC'], ['lr', null], ['q', '0.5']]);
    assert.equal(end, 17);
  });
  it('offsets cover name[=value] without the ;', () => {
    const t = '; a = b ;c';
    const { params } = parse(t);
    assert.equal(t.slice(params[0].start, params[0].end), 'a = b');
    assert.equal(t.slice(params[1].start, params[1].end), 'c');
  });
  it('quoted values keep their quotes; ; and , inside do not split', () => {
    const { params } = parse(';x="a;b,c \\" d";y=1');
    assert.deepEqual(params.map((p) => p.value), ['"a;b,c \\" d"', '1']);
  });
  it('host values: IPv6 with and without brackets', () => {
    const { params } = parse(';received=2001:db8::1;maddr=[::1]');
    assert.deepEqual(params.map((p) => p.value), ['2001:db8::1', '[::1]']);
  });
  it('stops before anything that is not ;', () => {
    const t = ';a=1 , next';
    assert.equal(parse(t).end, 4);
    assert.equal(parse('no params').end, 0);
  });
  it('refuses empty names and values', () => {
    for (const t of [';', ';;a', '; =1', ';a=', ';a=;b', ';a="open']) assert.throws(() => parse(t), SipParseError, t);
  });
  it(`is bounded to ${MAX_PARAMS} parameters`, () => {
    assert.equal(parse(';a'.repeat(MAX_PARAMS)).params.length, MAX_PARAMS);
    assert.throws(() => parse(';a'.repeat(MAX_PARAMS + 1)), SipParseError);
  });
  it('paramValue', () => {
    const { params } = parse(';tag=1;lr');
    assert.equal(paramValue(params, 'tag'), '1');
    assert.equal(paramValue(params, 'lr'), null);
    assert.equal(paramValue(params, 'x'), undefined);
  });
});
