import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EditList } from '../../sip/edit.js';
import { parseMessage } from '../../sip/parser/message.js';
import { removeRouteValues } from './route-edits.js';
import { linesNamed, req } from './test-util.js';

// Route values 0, 1, 2 in one field, 3 in a second one.
const msg = req('sip:bob@biloxi.example.com', ['Route: <sip:a.example;lr>, <sip:b.example;lr> ,<sip:c.example;lr>', 'Route: <sip:d.example;lr>']);

function without(...idx: number[]): string {
  const e = new EditList();
  removeRouteValues(msg.routes, new Set(idx), e);
  return e.apply(msg.buf).toString('latin1');
}

describe('removeRouteValues', () => {
  it('removes single values with their comma, keeping the others as written', () => {
    assert.deepEqual(linesNamed(without(0), 'Route'), ['Route: <sip:b.example;lr> ,<sip:c.example;lr>', 'Route: <sip:d.example;lr>']);
    assert.deepEqual(linesNamed(without(1), 'Route'), ['Route: <sip:a.example;lr>, <sip:c.example;lr>', 'Route: <sip:d.example;lr>']);
    assert.deepEqual(linesNamed(without(2), 'Route'), ['Route: <sip:a.example;lr>, <sip:b.example;lr>', 'Route: <sip:d.example;lr>']);
  });

  it('removes runs of values', () => {
    assert.deepEqual(linesNamed(without(0, 1), 'Route'), ['Route: <sip:c.example;lr>', 'Route: <sip:d.example;lr>']);
    assert.deepEqual(linesNamed(without(1, 2), 'Route'), ['Route: <sip:a.example;lr>', 'Route: <sip:d.example;lr>']);
    assert.deepEqual(linesNamed(without(0, 2), 'Route'), ['Route: <sip:b.example;lr>', 'Route: <sip:d.example;lr>']);
  });

  it('removes a whole field, CRLF included, when all its values go', () => {
    assert.deepEqual(linesNamed(without(3), 'Route'), ['Route: <sip:a.example;lr>, <sip:b.example;lr> ,<sip:c.example;lr>']);
    assert.deepEqual(linesNamed(without(0, 1, 2), 'Route'), ['Route: <sip:d.example;lr>']);
    const none = without(0, 1, 2, 3);
    assert.deepEqual(linesNamed(none, 'Route'), []);
    assert.equal(none, msg.buf.toString('latin1').replace(/Route: [^\r]*\r\n/g, ''));
  });

  it('every subset leaves a message whose Route values are the others, in order', () => {
    const all = msg.routes.map((v) => v.uri);
    for (let mask = 0; mask < 16; mask++) {
      const idx = [0, 1, 2, 3].filter((i) => mask & (1 << i));
      const m = parseMessage(Buffer.from(without(...idx), 'latin1'));
      assert.deepEqual(
        m.routes.map((v) => v.uri),
        all.filter((_, i) => !idx.includes(i)),
        `removing ${idx.join(',')}`,
      );
    }
  });

  it('handles folded fields', () => {
    const m = req('sip:bob@biloxi.example.com', ['Route: <sip:a.example;lr>,\r\n  <sip:b.example;lr>']);
    const e = new EditList();
    removeRouteValues(m.routes, new Set([0]), e);
    assert.deepEqual(parseMessage(e.apply(m.buf)).routes.map((v) => v.uri), ['sip:b.example;lr']);
    const e2 = new EditList();
    removeRouteValues(m.routes, new Set([0, 1]), e2);
    const out = e2.apply(m.buf).toString('latin1');
    assert.equal(out.includes('b.example'), false);
    assert.equal(parseMessage(Buffer.from(out, 'latin1')).routes.length, 0);
  });
});
