import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FL_NAT } from '../usrloc/ucontact.js';
import { save } from './save.js';
import { contextFor, harness, type Harness } from './testing.js';

const C1 = '<sip:alice@198.51.100.7:5062>';
const C2 = '<sip:alice@203.0.113.9:5060;transport=tcp>';

function contactsOf(h: Harness, aor = 'alice', table = 'location'): string[] {
  return (h.ul.getRecord(table, aor)?.contacts ?? []).map((c) => c.uri);
}

describe('save(): registering', () => {
  test('one contact: stored with everything the REGISTER says, answered 200 with the binding', () => {
    const h = harness();
    const ctx = h.reg({ contacts: [C1], userAgent: 'Phone/1.0', cseq: 10 });
    assert.equal(save(h.st, ctx, 'location', true), 1);
    assert.deepEqual(h.last(), {
      status: 200,
      reason: 'OK',
      headers: ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=3600'],
    });
    const rec = h.ul.getRecord('location', 'alice');
    assert.ok(rec);
    assert.equal(rec.contacts.length, 1);
    const c = rec.contacts[0]!;
    assert.equal(c.uri, 'sip:alice@198.51.100.7:5062');
    assert.equal(c.expires, h.time.now + 3600);
    assert.equal(c.q, 0);
    assert.equal(c.callId, 'reg-call-1@198.51.100.7');
    assert.equal(c.cseq, 10);
    assert.equal(c.userAgent, 'Phone/1.0');
    assert.deepEqual(c.received, { proto: 'udp', ip: '198.51.100.7', port: 5062 });
    assert.equal(c.socketId, 7);
    assert.equal(c.lastModified, h.time.now);
    assert.equal(c.flags, 0);
  });

  test("the User-Agent is kept as text: its UTF-8 bytes decoded, invalid bytes as U+FFFD", () => {
    const h = harness();
    // the message's bytes as the parser sees them: one char per byte
    const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    assert.equal(save(h.st, h.reg({ contacts: [C1], userAgent: bytes('Téléphone de Jürgen/1.0') }), 'location', true), 1);
    assert.equal(h.ul.getRecord('location', 'alice')!.contacts[0]!.userAgent, 'Téléphone de Jürgen/1.0');
    assert.equal(save(h.st, h.reg({ contacts: [C1], userAgent: 'X\xff/2', cseq: 2 }), 'location', true), 1);
    assert.equal(h.ul.getRecord('location', 'alice')!.contacts[0]!.userAgent, 'X\ufffd/2');
  });

  test('two contacts with q: highest q first, both in the reply', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [`${C1};q=0.5`, `${C2};q=0.8`] }), 'location', true);
    assert.deepEqual(h.last().headers, [
      'Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=0.80;expires=3600',
      'Contact: <sip:alice@198.51.100.7:5062>;q=0.50;expires=3600',
    ]);
    assert.deepEqual(contactsOf(h), ['sip:alice@203.0.113.9:5060;transport=tcp', 'sip:alice@198.51.100.7:5062']);
  });

  test('several contacts in one header field, and q with three decimals', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [`${C1};q=0.125, ${C2};q=1`] }), 'location', true);
    assert.deepEqual(h.last().headers, [
      'Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=1.00;expires=3600',
      'Contact: <sip:alice@198.51.100.7:5062>;q=0.125;expires=3600',
    ]);
  });

  test('refresh: the same contact again updates it (expires, CSeq) instead of adding one', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 1 }), 'location', true);
    h.time.advance(100);
    save(h.st, h.reg({ contacts: [C1], cseq: 2, expires: 600 }), 'location', true);
    const rec = h.ul.getRecord('location', 'alice')!;
    assert.equal(rec.contacts.length, 1);
    assert.equal(rec.contacts[0]!.expires, h.time.now + 600);
    assert.equal(rec.contacts[0]!.cseq, 2);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=600']);
  });

  test('expires: the contact parameter beats the Expires header, which beats default_expires', () => {
    const h = harness({ default_expires: 1800 });
    save(h.st, h.reg({ contacts: [`${C1};expires=120`, C2], expires: 300 }), 'location', true);
    const byUri = new Map(h.ul.getRecord('location', 'alice')!.contacts.map((c) => [c.uri, c.expires - h.time.now]));
    assert.equal(byUri.get('sip:alice@198.51.100.7:5062'), 120);
    assert.equal(byUri.get('sip:alice@203.0.113.9:5060;transport=tcp'), 300);
    save(h.st, h.reg({ to: 'sip:bob@example.com', contacts: ['<sip:bob@192.0.2.44>'], cseq: 2 }), 'location', true);
    assert.equal(h.ul.getRecord('location', 'bob')!.contacts[0]!.expires - h.time.now, 1800);
  });

  test('malformed expires values count as default_expires', () => {
    const h = harness({ default_expires: 900 });
    save(h.st, h.reg({ contacts: [`${C1};expires=soon`], expires: 60 }), 'location', true);
    assert.equal(h.ul.getRecord('location', 'alice')!.contacts[0]!.expires - h.time.now, 900);
    save(h.st, h.reg({ to: 'sip:bob@example.com', contacts: ['<sip:bob@192.0.2.44>'], expires: 'tomorrow' }), 'location', true);
    assert.equal(h.last().status, 200);
    assert.equal(h.ul.getRecord('location', 'bob')!.contacts[0]!.expires - h.time.now, 900);
  });

  test('a contact expires by the clock: gone from replies and lookups at once, from the table at the timer', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], expires: 60 }), 'location', true);
    h.time.advance(59);
    save(h.st, h.reg({ cseq: 2 }), 'location', true);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=1']);
    h.time.advance(1);
    save(h.st, h.reg({ cseq: 3 }), 'location', true);
    assert.deepEqual(h.last().headers, []);
    assert.equal(h.ul.getRecord('location', 'alice')!.contacts.length, 1, 'still there until the timer runs');
    assert.equal(h.ul.expire(), 1);
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
    assert.deepEqual(h.ul.stats(), [{ table: 'location', records: 0, contacts: 0, expired: 1 }]);
  });

  test('User-Agent is optional; the NAT flag of the request marks the contact', () => {
    const h = harness({ nat_flag: 6 });
    const ctx = h.reg({ contacts: [C1] });
    ctx.flags = 1 << 6;
    save(h.st, ctx, 'location', true);
    const c = h.ul.getRecord('location', 'alice')!.contacts[0]!;
    assert.equal(c.userAgent, '');
    assert.equal(c.flags & FL_NAT, FL_NAT);
    // a later REGISTER without the flag clears it
    save(h.st, h.reg({ contacts: [C1], cseq: 2 }), 'location', true);
    assert.equal(c.flags & FL_NAT, 0);
  });
});

describe('save(): removing', () => {
  test('Expires: 0 removes the binding, and the record with its last contact', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1, C2] }), 'location', true);
    save(h.st, h.reg({ contacts: [C1], expires: 0, cseq: 2 }), 'location', true);
    assert.deepEqual(contactsOf(h), ['sip:alice@203.0.113.9:5060;transport=tcp']);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=0.00;expires=3600']);
    save(h.st, h.reg({ contacts: [`${C2};expires=0`], cseq: 3 }), 'location', true);
    assert.equal(h.last().status, 200);
    assert.deepEqual(h.last().headers, []);
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
  });

  test('expires=0 for a contact that is not registered changes nothing and is fine', () => {
    const h = harness();
    assert.equal(save(h.st, h.reg({ contacts: [C1], expires: 0 }), 'location', true), 1);
    assert.equal(h.last().status, 200);
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
  });

  test('Contact: * with Expires: 0 removes every binding of the AOR', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1, C2] }), 'location', true);
    save(h.st, h.reg({ to: 'sip:bob@example.com', contacts: ['<sip:bob@192.0.2.44>'] }), 'location', true);
    assert.equal(save(h.st, h.reg({ contacts: ['*'], expires: 0, cseq: 2 }), 'location', true), 1);
    assert.deepEqual(h.last(), { status: 200, reason: 'OK', headers: [] });
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
    assert.ok(h.ul.getRecord('location', 'bob'), "another AOR's bindings stay");
  });

  test('Contact: * with an Expires other than 0, or none, is a 400 and removes nothing', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1] }), 'location', true);
    assert.equal(save(h.st, h.reg({ contacts: ['*'], expires: 600, cseq: 2 }), 'location', true), -1);
    assert.equal(h.last().status, 400);
    assert.deepEqual(h.last().headers, ['P-Registrar-Error: * used in contact and expires != 0']);
    assert.equal(save(h.st, h.reg({ contacts: ['*'], cseq: 3 }), 'location', true), -1);
    assert.equal(h.last().status, 400);
    assert.equal(contactsOf(h).length, 1);
  });

  test('Contact: * together with other contacts is a 400', () => {
    const h = harness();
    assert.equal(save(h.st, h.reg({ contacts: ['*', C1], expires: 0 }), 'location', true), -1);
    assert.equal(h.last().status, 400);
    assert.deepEqual(h.last().headers, ['P-Registrar-Error: * used in contact and no. of contacts > 1']);
  });
});

describe('save(): limits', () => {
  test('below min_expires: 423 Interval Too Brief with Min-Expires, nothing stored', () => {
    const h = harness({ min_expires: 60 });
    assert.equal(save(h.st, h.reg({ contacts: [C1], expires: 30 }), 'location', true), -1);
    assert.equal(h.last().status, 423);
    assert.equal(h.last().reason, 'Interval Too Brief');
    assert.ok(h.last().headers.includes('Min-Expires: 60'));
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
    // one too-brief contact refuses the whole request
    save(h.st, h.reg({ contacts: [C2, `${C1};expires=10`], cseq: 2 }), 'location', true);
    assert.equal(h.last().status, 423);
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
    // 0 is a removal, never too brief; min_expires itself is fine
    save(h.st, h.reg({ contacts: [C1], expires: 0, cseq: 3 }), 'location', true);
    assert.equal(h.last().status, 200);
    save(h.st, h.reg({ contacts: [C1], expires: 60, cseq: 4 }), 'location', true);
    assert.equal(h.last().status, 200);
  });

  test('without min_expires any interval is accepted (SER 0.8)', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], expires: 5 }), 'location', true);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=5']);
  });

  test('a default below min_expires is raised to it, not refused (the UA asked for nothing)', () => {
    const h = harness({ min_expires: 600, default_expires: 300 });
    save(h.st, h.reg({ contacts: [C1] }), 'location', true);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=600']);
  });

  test('above max_expires: shortened to it', () => {
    const h = harness({ max_expires: 600 });
    save(h.st, h.reg({ contacts: [C1, `${C2};expires=100`], expires: 7200 }), 'location', true);
    assert.deepEqual(h.last().headers, [
      'Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=600',
      'Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=0.00;expires=100',
    ]);
  });

  test('default_q for contacts without q; -1 leaves q out', () => {
    const h = harness({ default_q: 500 });
    save(h.st, h.reg({ contacts: [C1] }), 'location', true);
    assert.deepEqual(h.last().headers, ['Contact: <sip:alice@198.51.100.7:5062>;q=0.50;expires=3600']);
    const h2 = harness({ default_q: -1 });
    save(h2.st, h2.reg({ contacts: [C1, `${C2};q=0`] }), 'location', true);
    assert.deepEqual(h2.last().headers, [
      'Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=0.00;expires=3600',
      'Contact: <sip:alice@198.51.100.7:5062>;expires=3600',
    ]);
  });
});

describe('save(): Call-ID and CSeq (RFC 3261 §10.3 step 7)', () => {
  test('an older CSeq with the same Call-ID does not overwrite: 400, binding unchanged', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 5, expires: 600 }), 'location', true);
    h.time.advance(10);
    assert.equal(save(h.st, h.reg({ contacts: [C1], cseq: 4, expires: 0 }), 'location', true), -1);
    assert.equal(h.last().status, 400);
    assert.deepEqual(h.last().headers, ['P-Registrar-Error: Out of order request']);
    const c = h.ul.getRecord('location', 'alice')!.contacts[0]!;
    assert.equal(c.cseq, 5);
    assert.equal(c.expires, h.time.now - 10 + 600);
  });

  test('the same CSeq is a retransmission: 200 with the bindings, nothing changes', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 5, expires: 600 }), 'location', true);
    h.time.advance(10);
    assert.equal(save(h.st, h.reg({ contacts: [C1], cseq: 5, expires: 600 }), 'location', true), 1);
    assert.deepEqual(h.last(), { status: 200, reason: 'OK', headers: ['Contact: <sip:alice@198.51.100.7:5062>;q=0.00;expires=590'] });
    assert.equal(h.ul.getRecord('location', 'alice')!.contacts[0]!.lastModified, h.time.now - 10);
  });

  test('an out-of-order request changes none of its bindings, not even new ones', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 5 }), 'location', true);
    save(h.st, h.reg({ contacts: [C2, C1], cseq: 3 }), 'location', true);
    assert.equal(h.last().status, 400);
    assert.deepEqual(contactsOf(h), ['sip:alice@198.51.100.7:5062']);
  });

  test('another Call-ID may update the binding whatever its CSeq', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 5 }), 'location', true);
    save(h.st, h.reg({ contacts: [C1], cseq: 1, callId: 'other@phone', expires: 120 }), 'location', true);
    assert.equal(h.last().status, 200);
    const c = h.ul.getRecord('location', 'alice')!.contacts[0]!;
    assert.equal(c.callId, 'other@phone');
    assert.equal(c.cseq, 1);
  });

  test('Contact: * with an older CSeq of a binding fails too', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1], cseq: 5 }), 'location', true);
    save(h.st, h.reg({ contacts: ['*'], expires: 0, cseq: 4 }), 'location', true);
    assert.equal(h.last().status, 400);
    assert.equal(contactsOf(h).length, 1);
  });
});

describe('save(): bad requests', () => {
  test('a malformed Contact is a 400 and stores nothing', () => {
    const h = harness();
    assert.equal(save(h.st, h.reg({ contacts: ['<sip:alice@198.51.100.7'] }), 'location', true), -1);
    assert.deepEqual(h.last(), { status: 400, reason: 'Bad Request', headers: ['P-Registrar-Error: Contact parse error'] });
    save(h.st, h.reg({ contacts: ['<sip:alice@[bad>'] }), 'location', true);
    assert.equal(h.last().status, 400);
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
  });

  test('an invalid q is a 400', () => {
    const h = harness();
    for (const q of [';q=2', ';q=0.5x', ';q=1.5', ';q=-1', ';q=0.1234', ';q']) {
      assert.equal(save(h.st, h.reg({ contacts: [C1 + q] }), 'location', true), -1, q);
      assert.deepEqual(h.last().headers, ['P-Registrar-Error: Invalid q param in contact']);
    }
    assert.equal(h.ul.getRecord('location', 'alice'), undefined);
  });

  test('a To URI without a user is a 400', () => {
    const h = harness();
    assert.equal(save(h.st, h.reg({ to: 'sip:example.com', contacts: [C1] }), 'location', true), -1);
    assert.deepEqual(h.last().headers, ['P-Registrar-Error: No username in To URI']);
  });

  test('never throws, whatever the request', () => {
    const h = harness();
    const bad = [
      'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nContent-Length: 0\r\n\r\n',
      'REGISTER sip:example.com SIP/2.0\r\nTo: <sip:a@b>\r\nContent-Length: 0\r\n\r\n',
      'REGISTER sip:example.com SIP/2.0\r\nTo: garbage\r\nCall-ID: x\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n',
      'REGISTER sip:example.com SIP/2.0\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: x REGISTER\r\nContact: <sip:c@d>\r\nContent-Length: 0\r\n\r\n',
    ];
    for (const text of bad) {
      const r = save(h.st, contextFor(h.core, text), 'location', true);
      assert.equal(r, -1, text);
      assert.equal(h.last().status, 400, text);
    }
  });
});

describe('save(): queries and options', () => {
  test('a REGISTER without Contact is a query: 200 with the current bindings', () => {
    const h = harness();
    assert.equal(save(h.st, h.reg(), 'location', true), 1);
    assert.deepEqual(h.last(), { status: 200, reason: 'OK', headers: [] });
    save(h.st, h.reg({ contacts: [`${C1};q=0.1`, `${C2};q=0.9`], cseq: 2 }), 'location', true);
    h.time.advance(100);
    save(h.st, h.reg({ cseq: 3 }), 'location', true);
    assert.deepEqual(h.last().headers, [
      'Contact: <sip:alice@203.0.113.9:5060;transport=tcp>;q=0.90;expires=3500',
      'Contact: <sip:alice@198.51.100.7:5062>;q=0.10;expires=3500',
    ]);
    assert.equal(contactsOf(h).length, 2);
  });

  test('use_domain: the AOR is user@domain; without it, the user only', () => {
    const h = harness({ use_domain: 1 });
    save(h.st, h.reg({ to: 'sip:alice@Example.COM', contacts: [C1] }), 'location', true);
    save(h.st, h.reg({ to: 'sip:alice@example.org', contacts: [C2] }), 'location', true);
    assert.deepEqual(contactsOf(h, 'alice@example.com'), ['sip:alice@198.51.100.7:5062']);
    assert.deepEqual(contactsOf(h, 'alice@example.org'), ['sip:alice@203.0.113.9:5060;transport=tcp']);
    const h2 = harness();
    save(h2.st, h2.reg({ to: 'sip:alice@example.com', contacts: [C1] }), 'location', true);
    save(h2.st, h2.reg({ to: 'sip:alice@example.org', contacts: [C2], callId: 'c2' }), 'location', true);
    assert.equal(contactsOf(h2).length, 2);
    // usrloc's use_domain has the same effect
    const h3 = harness({}, { useDomain: true });
    save(h3.st, h3.reg({ contacts: [C1] }), 'location', true);
    assert.ok(h3.ul.getRecord('location', 'alice@example.com'));
  });

  test('the user part is case-insensitive unless case_sensitive (and unescaped)', () => {
    const h = harness();
    save(h.st, h.reg({ to: 'sip:Alice@example.com', contacts: [C1] }), 'location', true);
    save(h.st, h.reg({ to: 'sip:ALICE@example.com', contacts: [C2], cseq: 2 }), 'location', true);
    assert.equal(contactsOf(h).length, 2);
    save(h.st, h.reg({ to: 'sip:%41lice@example.com', cseq: 3 }), 'location', true);
    assert.equal(h.last().headers.length, 2);
    const h2 = harness({ case_sensitive: 1 });
    save(h2.st, h2.reg({ to: 'sip:Alice@example.com', contacts: [C1] }), 'location', true);
    assert.ok(h2.ul.getRecord('location', 'Alice'));
    assert.equal(h2.ul.getRecord('location', 'alice'), undefined);
  });

  test('desc_time_order: the last registered or refreshed contact comes first, whatever its q', () => {
    const h = harness({ desc_time_order: 1 });
    save(h.st, h.reg({ contacts: [`${C1};q=0.9`] }), 'location', true);
    save(h.st, h.reg({ contacts: [`${C2};q=0.1`], cseq: 2 }), 'location', true);
    assert.deepEqual(contactsOf(h), ['sip:alice@203.0.113.9:5060;transport=tcp', 'sip:alice@198.51.100.7:5062']);
    save(h.st, h.reg({ contacts: [`${C1};q=0.9`], cseq: 3 }), 'location', true);
    assert.deepEqual(contactsOf(h), ['sip:alice@198.51.100.7:5062', 'sip:alice@203.0.113.9:5060;transport=tcp']);
  });

  test('tables are separate', () => {
    const h = harness();
    save(h.st, h.reg({ contacts: [C1] }), 'location', true);
    assert.equal(h.ul.getRecord('aliases', 'alice'), undefined);
    assert.ok(h.ul.table('location'));
  });

  test('save_noreply: the same processing without a reply', () => {
    const h = harness({ min_expires: 60 });
    assert.equal(save(h.st, h.reg({ contacts: [C1] }), 'location', false), 1);
    assert.equal(save(h.st, h.reg({ contacts: [C2], expires: 5, cseq: 2 }), 'location', false), -1);
    assert.equal(h.replies.length, 0);
    assert.deepEqual(contactsOf(h), ['sip:alice@198.51.100.7:5062']);
  });

  test('a reply that cannot be sent makes save() false', async () => {
    const h = harness();
    (h.core as unknown as { reply: () => boolean }).reply = () => false;
    assert.equal(save(h.st, h.reg({ contacts: [C1] }), 'location', true), -1);
    (h.core as unknown as { reply: () => Promise<boolean> }).reply = () => Promise.resolve(true);
    assert.equal(await save(h.st, h.reg({ contacts: [C1], cseq: 2 }), 'location', true), 1);
  });
});
