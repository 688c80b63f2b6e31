import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../sip/parser/message.js';
import type { Value } from '../../script/ast.js';
import type { FixupContext } from '../../script/module-api.js';
import rr from './index.js';
import { looseRoute } from './loose.js';
import { checkPreset, escapeParamValue, recordRoute, recordRoutePreset } from './record.js';
import { ctxOf, forwarded, linesNamed, req, rig, TCP4, TCP4_OTHER, UDP4, UDP4_5080, UDP6 } from './test-util.js';

const TAG = '1928301774';

describe('record_route()', () => {
  it('adds one Record-Route for the socket, as the first header line, with user, ftag and lr', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'));
    assert.equal(recordRoute(r.st, ctx), 1);
    const out = forwarded(ctx);
    assert.deepEqual(linesNamed(out, 'Record-Route'), [`Record-Route: <sip:bob@192.0.2.10;ftag=${TAG};lr>`]);
    // inserted before every other header, and the rest of the request is untouched
    assert.ok(out.startsWith(`INVITE sip:bob@biloxi.example.com SIP/2.0\r\nRecord-Route: <sip:bob@192.0.2.10;ftag=${TAG};lr>\r\nVia: `));
    assert.equal(out.replace(/Record-Route: [^\r]*\r\n/, ''), ctx.msg.buf.toString('latin1'));
    // and it parses as a Record-Route
    const m = parseMessage(Buffer.from(out, 'latin1'));
    assert.equal(m.recordRoutes.length, 1);
    assert.equal(m.recordRoutes[0]!.uri, `sip:bob@192.0.2.10;ftag=${TAG};lr`);
  });

  it('enable_full_lr writes ;lr=on', () => {
    const r = rig({ fullLr: true });
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'));
    recordRoute(r.st, ctx);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Record-Route'), [`Record-Route: <sip:bob@192.0.2.10;ftag=${TAG};lr=on>`]);
  });

  it('append_fromtag=0, or a From without tag, gives no ftag', () => {
    const r = rig({ appendFromTag: false });
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'));
    recordRoute(r.st, ctx);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Record-Route'), ['Record-Route: <sip:bob@192.0.2.10;lr>']);

    const r2 = rig();
    const m = parseMessage(Buffer.from(req('sip:bob@biloxi.example.com').buf.toString('latin1').replace(`;tag=${TAG}`, ''), 'latin1'));
    const ctx2 = ctxOf(r2, m);
    recordRoute(r2.st, ctx2);
    assert.deepEqual(linesNamed(forwarded(ctx2), 'Record-Route'), ['Record-Route: <sip:bob@192.0.2.10;lr>']);
  });

  it('no user part when the Request-URI has none; the rewritten URI gives it otherwise (SER get_username)', () => {
    const r = rig({ appendFromTag: false });
    const ctx = ctxOf(r, req('sip:biloxi.example.com'));
    recordRoute(r.st, ctx);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Record-Route'), ['Record-Route: <sip:192.0.2.10;lr>']);

    const ctx2 = ctxOf(r, req('sip:biloxi.example.com'));
    ctx2.newUri = 'sip:carol@chicago.example.com';
    recordRoute(r.st, ctx2);
    assert.deepEqual(linesNamed(forwarded(ctx2), 'Record-Route'), ['Record-Route: <sip:carol@192.0.2.10;lr>']);
  });

  it('a port other than 5060 is written, and ;transport=tcp for TCP', () => {
    const r = rig({ appendFromTag: false });
    const a = ctxOf(r, req('sip:bob@biloxi.example.com'), UDP4_5080);
    recordRoute(r.st, a);
    assert.deepEqual(linesNamed(forwarded(a), 'Record-Route'), ['Record-Route: <sip:bob@192.0.2.10:5080;lr>']);
    const b = ctxOf(r, req('sip:bob@biloxi.example.com'), TCP4_OTHER);
    recordRoute(r.st, b);
    assert.deepEqual(linesNamed(forwarded(b), 'Record-Route'), ['Record-Route: <sip:bob@198.51.100.7:5070;transport=tcp;lr>']);
  });

  it('IPv6 addresses go in brackets', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'), UDP6);
    recordRoute(r.st, ctx);
    const out = forwarded(ctx);
    assert.deepEqual(linesNamed(out, 'Record-Route'), [`Record-Route: <sip:bob@[2001:db8::10];ftag=${TAG};lr>`]);
    assert.equal(parseMessage(Buffer.from(out, 'latin1')).recordRoutes[0]!.uri, `sip:bob@[2001:db8::10];ftag=${TAG};lr`);
  });

  it('double record-routing UDP -> TCP: the outgoing socket on top, then the incoming one, both with r2=on', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'), UDP4);
    recordRoute(r.st, ctx);
    assert.deepEqual(linesNamed(forwarded(ctx, TCP4), 'Record-Route'), [
      `Record-Route: <sip:bob@192.0.2.10;transport=tcp;r2=on;ftag=${TAG};lr>`,
      `Record-Route: <sip:bob@192.0.2.10;r2=on;ftag=${TAG};lr>`,
    ]);
    // leaving by the socket it came on: one entry, no r2
    assert.deepEqual(linesNamed(forwarded(ctx, UDP4), 'Record-Route'), [`Record-Route: <sip:bob@192.0.2.10;ftag=${TAG};lr>`]);
    // another port, or another family, is another realm too
    assert.equal(linesNamed(forwarded(ctx, UDP4_5080), 'Record-Route').length, 2);
    assert.deepEqual(linesNamed(forwarded(ctx, UDP6), 'Record-Route'), [
      `Record-Route: <sip:bob@[2001:db8::10];r2=on;ftag=${TAG};lr>`,
      `Record-Route: <sip:bob@192.0.2.10;r2=on;ftag=${TAG};lr>`,
    ]);
  });

  it('enable_double_rr=0: always one entry, for the incoming socket', () => {
    const r = rig({ doubleRr: false });
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'), UDP4);
    recordRoute(r.st, ctx);
    assert.deepEqual(linesNamed(forwarded(ctx, TCP4), 'Record-Route'), [`Record-Route: <sip:bob@192.0.2.10;ftag=${TAG};lr>`]);
  });

  it('comes before Record-Route header fields already in the request', () => {
    const r = rig({ appendFromTag: false });
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com', ['Record-Route: <sip:p1.example.com;lr>']));
    recordRoute(r.st, ctx);
    const m = parseMessage(Buffer.from(forwarded(ctx), 'latin1'));
    assert.deepEqual(m.recordRoutes.map((v) => v.uri), ['sip:bob@192.0.2.10;lr', 'sip:p1.example.com;lr']);
  });

  it('a second call for the same request adds nothing and returns -1 (SER: double attempt)', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'));
    assert.equal(recordRoute(r.st, ctx), 1);
    assert.equal(recordRoute(r.st, ctx), -1);
    assert.equal(ctx.outboundHeaders.length, 1);
    assert.equal(linesNamed(forwarded(ctx), 'Record-Route').length, 1);
    assert.ok(r.sink.lines.some((l) => l.includes('Double attempt to record-route')));
    // another request is record-routed normally
    assert.equal(recordRoute(r.st, ctxOf(r, req('sip:bob@biloxi.example.com'))), 1);
  });

  it('escapes a From tag a URI parameter cannot carry', () => {
    assert.equal(escapeParamValue('abc-1.2_x!~*()'), 'abc-1.2_x!~*()');
    assert.equal(escapeParamValue('a`b'), 'a%60b');
    assert.equal(escapeParamValue('"x y"'), '%22x%20y%22');
    assert.equal(escapeParamValue('ok%41'), 'ok%41');
    assert.equal(escapeParamValue('bad%4'), 'bad%254');
    const r = rig();
    const m = parseMessage(Buffer.from(req('sip:bob@biloxi.example.com').buf.toString('latin1').replace(`tag=${TAG}`, 'tag=a`b'), 'latin1'));
    const ctx = ctxOf(r, m);
    recordRoute(r.st, ctx);
    const out = forwarded(ctx);
    assert.deepEqual(linesNamed(out, 'Record-Route'), ['Record-Route: <sip:bob@192.0.2.10;ftag=a%60b;lr>']);
    assert.equal(parseMessage(Buffer.from(out, 'latin1')).recordRoutes.length, 1);
  });

  it('a From that does not parse: -1, logged, nothing added', () => {
    const r = rig();
    const m = parseMessage(Buffer.from(req('sip:bob@biloxi.example.com').buf.toString('latin1').replace('From: Alice <sip:alice@atlanta.example.com>', 'From: "Alice <sip:alice@atlanta.example.com>'), 'latin1'));
    const ctx = ctxOf(r, m);
    assert.equal(recordRoute(r.st, ctx), -1);
    assert.equal(ctx.outboundHeaders.length, 0);
    assert.ok(r.sink.lines.some((l) => l.includes('From parsing failed')));
    // with append_fromtag=0 the From is not needed
    const r2 = rig({ appendFromTag: false });
    assert.equal(recordRoute(r2.st, ctxOf(r2, m)), 1);
  });

  it('our Record-Route, copied into a Route by the UA, is recognised and removed by loose_route()', () => {
    const r = rig();
    const inv = ctxOf(r, req('sip:bob@biloxi.example.com'), UDP4);
    recordRoute(r.st, inv);
    const rrs = parseMessage(Buffer.from(forwarded(inv, TCP4), 'latin1')).recordRoutes.map((v) => `<${v.uri}>`);
    assert.equal(rrs.length, 2);
    // the caller's BYE: the route set is the Record-Route list reversed (RFC 3261 §12.1.2)
    const bye = ctxOf(r, req('sip:bob@client.biloxi.example.com', [`Route: ${[...rrs].reverse().join(', ')}`], 'BYE', 'b0b'), UDP4);
    assert.equal(looseRoute(r.st, bye), 1);
    const out = forwarded(bye);
    assert.deepEqual(linesNamed(out, 'Route'), []);
    assert.equal(bye.dstUri, undefined);
    assert.equal(bye.newUri, undefined);
  });
});

describe('record_route_preset()', () => {
  it('writes the given address after sip:, with user, ftag and lr', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@biloxi.example.com'));
    assert.equal(recordRoutePreset(r.st, ctx, '1.2.3.4:5090'), 1);
    assert.deepEqual(linesNamed(forwarded(ctx, TCP4), 'Record-Route'), [`Record-Route: <sip:bob@1.2.3.4:5090;ftag=${TAG};lr>`]);
    const r2 = rig({ fullLr: true, appendFromTag: false });
    const ctx2 = ctxOf(r2, req('sip:biloxi.example.com'));
    recordRoutePreset(r2.st, ctx2, 'proxy.example.com;transport=tcp');
    assert.deepEqual(linesNamed(forwarded(ctx2), 'Record-Route'), ['Record-Route: <sip:proxy.example.com;transport=tcp;lr=on>']);
  });

  it('checks its argument at start-up', () => {
    assert.equal(checkPreset('1.2.3.4:5090'), undefined);
    assert.equal(checkPreset('[2001:db8::1]:5060'), undefined);
    assert.equal(checkPreset('proxy.example.com;transport=tcp'), undefined);
    assert.match(checkPreset('sip:1.2.3.4')!, /without 'sip:'/);
    assert.match(checkPreset('')!, /empty/);
    assert.match(checkPreset('1.2.3.4>')!, /cannot contain/);
    assert.match(checkPreset('a b')!, /cannot contain/);
    assert.match(checkPreset('u@1.2.3.4')!, /user part/);
    assert.match(checkPreset('1.2.3.4:99999')!, /not a valid SIP URI/);

    const fixup = rr.functions['record_route_preset']!.fixup!;
    const v = (s: string): Value => ({ kind: 'string', value: s, loc: { file: 'ser.cfg', line: 1, col: 1, len: 1 } });
    const fx = { params: {}, error: (_i: number, m: string) => new Error(m), hasRoute: () => true } as unknown as FixupContext;
    assert.equal(fixup([v(' 10.0.0.1:5070 ')], fx), '10.0.0.1:5070');
    assert.throws(() => fixup([v('sip:10.0.0.1')], fx), /without 'sip:'/);
  });
});

describe('rr module descriptor', () => {
  it('declares SER 0.8 parameters with their defaults and checks 0/1', () => {
    assert.equal(rr.name, 'rr');
    assert.deepEqual(Object.keys(rr.functions).sort(), ['loose_route', 'record_route', 'record_route_preset']);
    assert.equal(rr.params['enable_full_lr']!.default, 0);
    assert.equal(rr.params['append_fromtag']!.default, 1);
    assert.equal(rr.params['enable_double_rr']!.default, 1);
    for (const p of Object.values(rr.params)) {
      assert.equal(p.check!(0), undefined);
      assert.equal(p.check!(1), undefined);
      assert.match(p.check!(2)!, /0 or 1/);
      assert.match(p.check!(-1)!, /0 or 1/);
    }
  });

  it('create() reads the parameters', async () => {
    const core = rig().st.core;
    const st = await rr.create(core, { enable_full_lr: 1, append_fromtag: 0, enable_double_rr: 0 });
    assert.deepEqual(st.opts, { fullLr: true, appendFromTag: false, doubleRr: false });
    const ctx = ctxOf({ st, sink: rig().sink }, req('sip:bob@biloxi.example.com'));
    assert.equal(rr.functions['record_route']!.run(st, ctx, undefined), 1);
    assert.deepEqual(linesNamed(forwarded(ctx, TCP4), 'Record-Route'), ['Record-Route: <sip:bob@192.0.2.10;lr=on>']);
  });
});
