import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMessage } from '../../sip/parser/message.js';
import { looseRoute } from './loose.js';
import { ctxOf, forwarded, linesNamed, req, rig, UDP4 } from './test-util.js';

const ME = 'sip:192.0.2.10;lr';
const BOB = 'sip:bob@client.biloxi.example.com';

/** An in-dialog request (To tag) to `ruri` with these Route lines. */
function bye(ruri: string, routes: string[], toTag: string | undefined = 'b0b') {
  return req(ruri, routes, 'BYE', toTag);
}

function routesOf(text: string): string[] {
  return parseMessage(Buffer.from(text, 'latin1')).routes.map((v) => v.uri);
}

function requestLine(text: string): string {
  return text.slice(0, text.indexOf('\r\n'));
}

describe('loose_route()', () => {
  it('no Route header: false, nothing changed', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, []));
    assert.equal(looseRoute(r.st, ctx), -1);
    assert.equal(ctx.edits.size, 0);
    assert.equal(ctx.newUri, undefined);
    assert.equal(ctx.dstUri, undefined);
  });

  it('only our Route, in a dialog: removed, true, the request goes to its Request-URI', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, [`Route: <${ME}>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    const out = forwarded(ctx);
    assert.deepEqual(linesNamed(out, 'Route'), []);
    assert.equal(requestLine(out), `BYE ${BOB} SIP/2.0`);
    assert.equal(ctx.dstUri, undefined);
    assert.equal(ctx.newUri, undefined);
    // every other byte as received
    assert.equal(out, ctx.msg.buf.toString('latin1').replace(`Route: <${ME}>\r\n`, ''));
  });

  it('only our Route on an initial request (preloaded, no To tag): removed, false (route by Request-URI)', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@192.0.2.10', [`Route: <${ME}>`]));
    assert.equal(looseRoute(r.st, ctx), -1);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Route'), []);
    assert.equal(ctx.dstUri, undefined);
  });

  it('our Route, then a loose router: the destination is set, the Request-URI stays', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, [`Route: <${ME};ftag=x>`, 'Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>']));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.dstUri, 'sip:p2.example.com;lr');
    assert.equal(ctx.nextHopUri, 'sip:p2.example.com;lr');
    assert.equal(ctx.newUri, undefined);
    const out = forwarded(ctx);
    assert.equal(requestLine(out), `BYE ${BOB} SIP/2.0`);
    assert.deepEqual(linesNamed(out, 'Route'), ['Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>']);
  });

  it('our Route, then a strict router: it becomes the Request-URI, the old one the last Route (§16.6 step 6)', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, [`Route: <${ME}>, <sip:strict.example.com>`, 'Route: <sip:p3.example.com;lr>']));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.newUri, 'sip:strict.example.com');
    assert.equal(ctx.dstUri, undefined);
    const out = forwarded(ctx);
    assert.equal(requestLine(out), 'BYE sip:strict.example.com SIP/2.0');
    assert.deepEqual(routesOf(out), ['sip:p3.example.com;lr', BOB]);
    assert.deepEqual(linesNamed(out, 'Route'), ['Route: <sip:p3.example.com;lr>', `Route: <${BOB}>`]);
  });

  it('our Route inside a comma-separated list: only that value and its comma go', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, [`Route: <${ME}>, <sip:p2.example.com;lr>, <sip:p3.example.com;lr>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Route'), ['Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>']);
    assert.equal(ctx.dstUri, 'sip:p2.example.com;lr');
  });

  it('double record-routing: both of our entries (r2) are removed', () => {
    const r = rig();
    const routes = [`Route: <sip:bob@192.0.2.10;transport=tcp;r2=on;ftag=1;lr>, <sip:bob@192.0.2.10;r2=on;ftag=1;lr>, <sip:p2.example.com;lr>`];
    const ctx = ctxOf(r, bye(BOB, routes));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Route'), ['Route: <sip:p2.example.com;lr>']);
    assert.equal(ctx.dstUri, 'sip:p2.example.com;lr');

    // two entries of ours without r2 are two passes (a spiral): only the first is ours to remove
    const ctx2 = ctxOf(r, bye(BOB, [`Route: <${ME}>, <sip:192.0.2.10:5080;lr>`]));
    assert.equal(looseRoute(r.st, ctx2), 1);
    assert.equal(ctx2.dstUri, 'sip:192.0.2.10:5080;lr');
    assert.deepEqual(linesNamed(forwarded(ctx2), 'Route'), ['Route: <sip:192.0.2.10:5080;lr>']);

    // enable_double_rr=0: the second entry is not removed
    const r3 = rig({ doubleRr: false });
    const ctx3 = ctxOf(r3, bye(BOB, routes));
    assert.equal(looseRoute(r3.st, ctx3), 1);
    assert.equal(ctx3.dstUri, 'sip:bob@192.0.2.10;r2=on;ftag=1;lr');
  });

  it('ours means our address and port: another port is someone else', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, ['Route: <sip:192.0.2.10:5070;lr>']));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.dstUri, 'sip:192.0.2.10:5070;lr');
    assert.equal(linesNamed(forwarded(ctx), 'Route').length, 1);
    // the port we listen on, or the default 5060; IPv6 by value
    for (const me of ['sip:192.0.2.10:5080;lr', 'sip:192.0.2.10:5060;lr', 'sip:[2001:db8:0::10];lr', 'sip:192.0.2.10;transport=tcp;lr']) {
      const c = ctxOf(r, bye(BOB, [`Route: <${me}>`]));
      assert.equal(looseRoute(r.st, c), 1, me);
      assert.deepEqual(linesNamed(forwarded(c), 'Route'), [], me);
    }
  });

  it('a preloaded Route to another proxy: loose -> destination; strict -> Request-URI rewrite', () => {
    const r = rig();
    const a = ctxOf(r, req('sip:carol@chicago.example.com', ['Route: <sip:outbound.example.com;lr>']));
    assert.equal(looseRoute(r.st, a), 1);
    assert.equal(a.dstUri, 'sip:outbound.example.com;lr');
    assert.equal(linesNamed(forwarded(a), 'Route').length, 1);

    const b = ctxOf(r, req('sip:carol@chicago.example.com', ['Route: <sip:old.example.com>']));
    assert.equal(looseRoute(r.st, b), 1);
    assert.equal(b.newUri, 'sip:old.example.com');
    const out = forwarded(b);
    assert.equal(requestLine(out), 'INVITE sip:old.example.com SIP/2.0');
    assert.deepEqual(routesOf(out), ['sip:carol@chicago.example.com']);
  });

  it('the strict-router rewrite uses the current Request-URI when the script changed it', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:carol@chicago.example.com', ['Route: <sip:old.example.com>']));
    ctx.newUri = 'sip:carol@10.0.0.5';
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.deepEqual(routesOf(forwarded(ctx)), ['sip:carol@10.0.0.5']);
  });

  it('previous hop strict (our Record-Route in the Request-URI): the remote target comes back from the last Route', () => {
    const r = rig();
    const ctx = ctxOf(r, bye('sip:bob@192.0.2.10;ftag=1928301774;lr', ['Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>', `Route: <${BOB}>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.newUri, BOB);
    assert.equal(ctx.dstUri, 'sip:p2.example.com;lr');
    const out = forwarded(ctx);
    assert.equal(requestLine(out), `BYE ${BOB} SIP/2.0`);
    assert.deepEqual(linesNamed(out, 'Route'), ['Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>']);
  });

  it('previous hop strict, our other (double) entry on top, next hop strict: it becomes the Request-URI', () => {
    const r = rig();
    const ctx = ctxOf(r, bye('sip:192.0.2.10;r2=on;lr', ['Route: <sip:192.0.2.10;transport=tcp;r2=on;lr>', 'Route: <sip:strict.example.com>', `Route: <${BOB}>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.newUri, 'sip:strict.example.com');
    assert.equal(ctx.dstUri, undefined);
    const out = forwarded(ctx);
    assert.equal(requestLine(out), 'BYE sip:strict.example.com SIP/2.0');
    assert.deepEqual(routesOf(out), [BOB]);
  });

  it('previous hop strict, only the remote target left: it becomes the Request-URI', () => {
    const r = rig();
    const ctx = ctxOf(r, bye('sip:192.0.2.10;lr', [`Route: <${BOB}>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.newUri, BOB);
    assert.deepEqual(routesOf(forwarded(ctx)), []);
  });

  it('a Request-URI naming us without lr is not a Record-Route of ours: plain loose routing', () => {
    const r = rig();
    const ctx = ctxOf(r, req('sip:bob@192.0.2.10', [`Route: <${ME}>, <sip:p2.example.com;lr>`, 'Route: <sip:p3.example.com;lr>']));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.newUri, undefined);
    assert.equal(ctx.dstUri, 'sip:p2.example.com;lr');
    assert.deepEqual(routesOf(forwarded(ctx)), ['sip:p2.example.com;lr', 'sip:p3.example.com;lr']);
  });

  it('a Route with maddr is judged by its host and port, as SER did', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, ['Route: <sip:192.0.2.10;maddr=198.51.100.1;lr>']));
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.deepEqual(linesNamed(forwarded(ctx), 'Route'), []);
    const c2 = ctxOf(r, bye(BOB, ['Route: <sip:p.example.com;maddr=192.0.2.10;lr>']));
    assert.equal(looseRoute(r.st, c2), 1);
    assert.equal(c2.dstUri, 'sip:p.example.com;maddr=192.0.2.10;lr');
  });

  it('malformed Route headers or URIs: false, logged, nothing changed, no exception', () => {
    const bad = [
      'Route: sip:p.example.com;lr', // not in <>
      'Route: <sip:p.example.com;lr',
      'Route: <sip:p.example.com;lr>,',
      'Route: <sip:p.example.com;lr> garbage',
      'Route: <sip:p.example.com:99999;lr>', // URI does not parse
      'Route: <sip:@;lr>',
      `Route: <${ME}>, <http://www.example.com/>`, // next hop not SIP
      `Route: <${ME}>, <sip:[::1;lr>`,
    ];
    for (const line of bad) {
      const r = rig();
      const ctx = ctxOf(r, bye(BOB, [line]));
      assert.equal(looseRoute(r.st, ctx), -1, line);
      assert.equal(ctx.edits.size, 0, line);
      assert.equal(ctx.newUri, undefined, line);
      assert.equal(ctx.dstUri, undefined, line);
      assert.ok(r.sink.lines.some((l) => l.includes('ERROR: loose_route()')), line);
    }
  });

  it('a second call returns the same answer without editing again', () => {
    const r = rig();
    const ctx = ctxOf(r, bye(BOB, [`Route: <${ME}>, <sip:strict.example.com>`]));
    assert.equal(looseRoute(r.st, ctx), 1);
    const size = ctx.edits.size;
    assert.equal(looseRoute(r.st, ctx), 1);
    assert.equal(ctx.edits.size, size);
    assert.deepEqual(routesOf(forwarded(ctx)), [BOB]);
  });

  it('never throws on hostile Route values, and a true answer leaves well-formed Routes', () => {
    // deterministic pseudo-random mutations of a valid Route header
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const base = `<${ME};ftag=abc>, <sip:p2.example.com;lr>, <sip:u@[2001:db8::1]:5070;transport=tcp>, <${BOB}>`;
    const alphabet = '<>,;:@[]=" \t%sip.lr\x00\x7f\xff2';
    for (let n = 0; n < 3000; n++) {
      let v = base;
      const edits = 1 + rnd(4);
      for (let k = 0; k < edits; k++) {
        const p = rnd(v.length + 1);
        const op = rnd(3);
        const ch = alphabet[rnd(alphabet.length)]!;
        v = op === 0 ? v.slice(0, p) + ch + v.slice(p) : op === 1 ? v.slice(0, p) + v.slice(p + 1) : v.slice(0, p) + ch + v.slice(p + 1);
      }
      let msg;
      try {
        msg = bye(rnd(5) === 0 ? 'sip:192.0.2.10;lr' : BOB, ['Route: ' + v]);
      } catch {
        continue; // the core would have refused the message
      }
      const r = rig();
      const ctx = ctxOf(r, msg, UDP4);
      const res = looseRoute(r.st, ctx);
      assert.ok(res === 1 || res === -1, v);
      if (res === 1) {
        const out = forwarded(ctx);
        const m = parseMessage(Buffer.from(out, 'latin1'));
        assert.doesNotThrow(() => m.routes, v);
        assert.doesNotThrow(() => m.uri, v);
      } else {
        assert.equal(ctx.newUri, undefined, v);
      }
    }
  });
});
