import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childEnvironment, fixedVars, headerVarName, headerVars } from './environment.js';
import { transactionToken } from './transaction-token.js';
import { ctxOf, requestText } from './testing.js';

test('header names: upper case, dashes and other symbols to underscores', () => {
  assert.equal(headerVarName('max-forwards'), 'SIP_HF_MAX_FORWARDS');
  assert.equal(headerVarName('x-foo.bar!'), 'SIP_HF_X_FOO_BAR_');
});

test('every header field is a SIP_HF_ variable with its value (the guide §4.1 listing)', () => {
  const ctx = ctxOf(requestText({ extra: ['Contact: <sip:123.20.128.35:9315>', 'Content-Type: application/sdp'] }));
  const v = headerVars(ctx);
  assert.equal(v.SIP_HF_MAX_FORWARDS, '10');
  assert.equal(v.SIP_HF_VIA, 'SIP/2.0/UDP 195.37.77.100:5040;branch=z9hG4bKexec1');
  assert.equal(v.SIP_HF_CSEQ, '2 INVITE');
  assert.equal(v.SIP_HF_FROM, '"alice" <sip:alice@iptel.org>;tag=76ff7a07');
  assert.equal(v.SIP_HF_TO, '<sip:jiri@iptel.org>');
  assert.equal(v.SIP_HF_CALL_ID, 'd10815e0@213.20.128.35');
  assert.equal(v.SIP_HF_CALLID, 'd10815e0@213.20.128.35', "the guide's spelling too");
  assert.equal(v.SIP_HF_CONTACT, '<sip:123.20.128.35:9315>');
  assert.equal(v.SIP_HF_CONTENT_TYPE, 'application/sdp');
  assert.equal(v.SIP_HF_CONTENT_LENGTH, '0');
});

test('several fields of one name are joined with "," in order; compact forms count as the full name', () => {
  const ctx = ctxOf(requestText({ extra: ['Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK2', 'X-A: one', 'x-a: two', 'm: <sip:c@h>'] }));
  const v = headerVars(ctx);
  assert.equal(v.SIP_HF_VIA, 'SIP/2.0/UDP 195.37.77.100:5040;branch=z9hG4bKexec1,SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK2');
  assert.equal(v.SIP_HF_X_A, 'one,two');
  assert.equal(v.SIP_HF_CONTACT, '<sip:c@h>');
  assert.equal(v.SIP_HF_M, undefined);
});

test('folded values are unfolded; NUL is removed; UTF-8 bytes arrive as UTF-8', () => {
  const text = requestText({ extra: ['Subject: first\r\n  second\r\n\tthird', 'X-Nul: a\0b', 'X-Utf: caf\xc3\xa9'] });
  const v = headerVars(ctxOf(text));
  assert.equal(v.SIP_HF_SUBJECT, 'first second third');
  assert.equal(v.SIP_HF_X_NUL, 'ab');
  assert.equal(v.SIP_HF_X_UTF, 'café');
  for (const val of Object.values(v)) assert.doesNotMatch(val, /[\0\r\n]/);
});

test('fixed variables: SIP_SRCIP, SRCIP, SIP_RURI/SIP_USER follow rewriting, SIP_ORURI/SIP_OUSER do not', () => {
  const ctx = ctxOf(requestText(), '195.37.77.100');
  ctx.newUri = 'sip:voicemail@vm.iptel.org';
  const v = fixedVars(ctx);
  assert.equal(v.SIP_SRCIP, '195.37.77.100');
  assert.equal(v.SRCIP, '195.37.77.100');
  assert.equal(v.SIP_RURI, 'sip:voicemail@vm.iptel.org');
  assert.equal(v.SIP_USER, 'voicemail');
  assert.equal(v.SIP_ORURI, 'sip:jiri@iptel.org');
  assert.equal(v.SIP_OUSER, 'jiri');
  assert.equal(v.SIP_DID, '', 'no To tag: a request creating a dialog');
  assert.match(v.SIP_TID!, /^[0-9a-f]{32}$/);
});

test('SIP_DID is the To tag; a URI without user part gives an empty SIP_USER', () => {
  const text = requestText({ uri: 'sip:iptel.org' }).replace('To: <sip:jiri@iptel.org>', 'To: <sip:jiri@iptel.org>;tag=xyz');
  const v = fixedVars(ctxOf(text));
  assert.equal(v.SIP_DID, 'xyz');
  assert.equal(v.SIP_USER, '');
  assert.equal(v.SIP_OUSER, '');
});

test('SIP_TID is the same for a retransmission, differs for another transaction', () => {
  const a = transactionToken(ctxOf(requestText()).msg);
  const b = transactionToken(ctxOf(requestText()).msg);
  const c = transactionToken(ctxOf(requestText().replace('branch=z9hG4bKexec1', 'branch=z9hG4bKexec2')).msg);
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test("the child's environment: the server's own without stale SIP_ variables, then the request's", () => {
  const ctx = ctxOf(requestText());
  const env = childEnvironment(ctx, true, { PATH: '/bin', SIP_HF_STALE: 'x', SRCIP: 'old' });
  assert.equal(env.PATH, '/bin');
  assert.equal(env.SIP_HF_STALE, undefined);
  assert.equal(env.SRCIP, '195.37.77.100');
  assert.equal(env.SIP_HF_CSEQ, '2 INVITE');
  const bare = childEnvironment(ctx, false, { PATH: '/bin' });
  assert.deepEqual(bare, { PATH: '/bin', SRCIP: '195.37.77.100', SIP_SRCIP: '195.37.77.100' });
});

test("NODE_EXTRA_CA_CERTS, which ser's #! line kept aside, is the child's again", () => {
  const ctx = ctxOf(requestText());
  const env = childEnvironment(ctx, false, { PATH: '/bin', SER_NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
  assert.equal(env.NODE_EXTRA_CA_CERTS, '/etc/ca.pem');
  assert.equal(env.SER_NODE_EXTRA_CA_CERTS, undefined);
  // not set when ser started: not set for the child either
  const none = childEnvironment(ctx, false, { PATH: '/bin', SER_NODE_EXTRA_CA_CERTS: '' });
  assert.deepEqual(Object.keys(none).sort(), ['PATH', 'SIP_SRCIP', 'SRCIP']);
  // started without the #! line (node bin/ser.js): the variable is the user's, untouched
  assert.equal(childEnvironment(ctx, false, { NODE_EXTRA_CA_CERTS: '/x.pem' }).NODE_EXTRA_CA_CERTS, '/x.pem');
});
