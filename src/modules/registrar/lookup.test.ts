import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BRANCHES } from '../../script/core-config.js';
import { E_TOO_MANY_BRANCHES } from '../../script/ser-error.js';
import { lookup } from './lookup.js';
import { save } from './save.js';
import { harness, type Harness } from './testing.js';

function register(h: Harness, to: string, contacts: string[], o: { cseq?: number; expires?: number; callId?: string; flags?: number } = {}): void {
  const ctx = h.reg({ to, contacts, cseq: o.cseq ?? 1, expires: o.expires, callId: o.callId ?? `call-${to}-${contacts.join()}` });
  if (o.flags) ctx.flags = o.flags;
  assert.equal(save(h.st, ctx, 'location', true), 1, JSON.stringify(h.replies[h.replies.length - 1]));
}

describe('lookup()', () => {
  test('the best q becomes the Request-URI, the others branches in order', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>;q=0.2', '<sip:a2@192.0.2.2>;q=0.9', '<sip:a3@192.0.2.3>;q=0.5']);
    const ctx = h.invite('sip:alice@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:a2@192.0.2.2');
    assert.deepEqual(ctx.branches, ['sip:a3@192.0.2.3', 'sip:a1@192.0.2.1']);
    assert.deepEqual(ctx.destinationSet(), ['sip:a2@192.0.2.2', 'sip:a3@192.0.2.3', 'sip:a1@192.0.2.1']);
  });

  test('equal q: the earlier registration first (SER usrloc inserts after equal q)', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:first@192.0.2.1>']);
    h.time.advance(5);
    register(h, 'sip:alice@example.com', ['<sip:second@192.0.2.2>'], { callId: 'other' });
    const ctx = h.invite('sip:alice@example.com');
    lookup(h.st, ctx, 'location');
    assert.deepEqual(ctx.destinationSet(), ['sip:first@192.0.2.1', 'sip:second@192.0.2.2']);
  });

  test('an unknown user: -1 and the request untouched', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>']);
    const ctx = h.invite('sip:nobody@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), -1);
    assert.equal(ctx.newUri, undefined);
    assert.deepEqual(ctx.branches, []);
    assert.equal(lookup(h.st, h.invite('sip:alice@example.com'), 'aliases'), -1, 'another table');
  });

  test('expired contacts are skipped; none left: -1', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:short@192.0.2.1>;expires=30;q=1', '<sip:long@192.0.2.2>;expires=300;q=0.1']);
    h.time.advance(31);
    let ctx = h.invite('sip:alice@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:long@192.0.2.2');
    assert.deepEqual(ctx.branches, []);
    h.time.advance(300);
    ctx = h.invite('sip:alice@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), -1);
    assert.equal(ctx.newUri, undefined);
  });

  test('append_branches=0: only the best contact', () => {
    const h = harness({ append_branches: 0 });
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>;q=0.2', '<sip:a2@192.0.2.2>;q=0.9']);
    const ctx = h.invite('sip:alice@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:a2@192.0.2.2');
    assert.deepEqual(ctx.branches, []);
  });

  test('no more branches than MAX_BRANCHES (the Request-URI counts)', () => {
    const h = harness();
    const contacts = Array.from({ length: 15 }, (_, i) => `<sip:c${i}@192.0.2.${i + 1}>`);
    register(h, 'sip:alice@example.com', contacts);
    const ctx = h.invite('sip:alice@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.destinationSet().length, MAX_BRANCHES);
    assert.equal(ctx.serError, E_TOO_MANY_BRANCHES);
    assert.ok(h.logs.some((l) => /too many branches/.test(l)));
  });

  test('branches already in the destination set stay, the new ones follow', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>;q=0.2', '<sip:a2@192.0.2.2>;q=0.9']);
    const ctx = h.invite('sip:alice@example.com');
    ctx.branches.push('sip:voicemail@192.0.2.99');
    lookup(h.st, ctx, 'location');
    assert.deepEqual(ctx.branches, ['sip:voicemail@192.0.2.99', 'sip:a1@192.0.2.1']);
  });

  test('the Request-URI is replaced whole: its parameters are not kept (SER rewrite_uri)', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:alice@192.0.2.1:5070;transport=tcp>']);
    const ctx = h.invite('sip:alice@example.com;user=phone');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:alice@192.0.2.1:5070;transport=tcp');
    assert.equal(ctx.currentUriParsed().host, '192.0.2.1');
  });

  test('the current (rewritten) Request-URI is looked up, not the received one', () => {
    const h = harness();
    register(h, 'sip:bob@example.com', ['<sip:bob@192.0.2.7>']);
    const ctx = h.invite('sip:alice@example.com');
    ctx.newUri = 'sip:bob@example.com';
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:bob@192.0.2.7');
  });

  test('the user part is matched case-insensitively unless case_sensitive', () => {
    const h = harness();
    register(h, 'sip:Alice@example.com', ['<sip:a1@192.0.2.1>']);
    const ctx = h.invite('sip:ALICE@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:a1@192.0.2.1');
    const h2 = harness({ case_sensitive: 1 });
    register(h2, 'sip:Alice@example.com', ['<sip:a1@192.0.2.1>']);
    assert.equal(lookup(h2.st, h2.invite('sip:alice@example.com'), 'location'), -1);
    assert.equal(lookup(h2.st, h2.invite('sip:Alice@example.com'), 'location'), 1);
  });

  test('use_domain: the domain must match too; without it any domain does', () => {
    const h = harness({ use_domain: 1 });
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>']);
    assert.equal(lookup(h.st, h.invite('sip:alice@example.org'), 'location'), -1);
    assert.equal(lookup(h.st, h.invite('sip:alice@EXAMPLE.com'), 'location'), 1);
    const h2 = harness();
    register(h2, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>']);
    assert.equal(lookup(h2.st, h2.invite('sip:alice@example.org'), 'location'), 1);
  });

  test('a Request-URI without a user finds nothing', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:a1@192.0.2.1>']);
    assert.equal(lookup(h.st, h.invite('sip:example.com'), 'location'), -1);
  });

  test('a contact registered from behind a NAT sets nat_flag on the request', () => {
    const h = harness();
    register(h, 'sip:alice@example.com', ['<sip:a1@10.0.0.1>'], { flags: 1 << 4 });
    register(h, 'sip:bob@example.com', ['<sip:b1@192.0.2.2>']);
    const a = h.invite('sip:alice@example.com');
    lookup(h.st, a, 'location');
    assert.equal(a.flags & (1 << 4), 1 << 4);
    const b = h.invite('sip:bob@example.com');
    lookup(h.st, b, 'location');
    assert.equal(b.flags, 0);
  });

  test('a permanent contact (ul add) is found however late', () => {
    const h = harness();
    h.ul.registerTable('location');
    h.ul.addPermanent('location', 'carol', 'sip:carol@gw.example.com');
    h.time.advance(10 * 365 * 86400);
    h.ul.expire();
    const ctx = h.invite('sip:carol@example.com');
    assert.equal(lookup(h.st, ctx, 'location'), 1);
    assert.equal(ctx.newUri, 'sip:carol@gw.example.com');
  });

  test('a malformed current URI gives -1, no exception', () => {
    const h = harness();
    const ctx = h.invite('sip:alice@example.com');
    ctx.newUri = 'sip:alice@[broken';
    assert.equal(lookup(h.st, ctx, 'location'), -1);
  });
});
