import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteString, EditList } from './edit.js';

const buf = Buffer.from('0123456789', 'latin1');

test('no edits returns the original bytes', () => {
  const e = new EditList();
  assert.equal(e.apply(buf), buf);
  assert.equal(e.apply(buf, 4).toString(), '0123');
});

test('insert, replace and remove apply in offset order whatever the recording order', () => {
  const e = new EditList();
  e.replace(7, 9, 'XY');
  e.insert(0, '<');
  e.remove(2, 4);
  e.insert(10, '>');
  assert.equal(e.apply(buf).toString(), '<01456XY9>');
});

test('insertions at the same place keep their recording order', () => {
  const e = new EditList();
  e.insert(5, 'a');
  e.insert(5, 'b');
  assert.equal(e.apply(buf).toString(), '01234ab56789');
});

test('overlapping deletions never emit or drop a byte twice', () => {
  const e = new EditList();
  e.remove(2, 6);
  e.remove(4, 8);
  e.replace(3, 5, 'Z'); // wholly inside the first removal: gone with it (SER's process_lumps skips overlapping lumps)
  assert.equal(e.apply(buf).toString(), '0189');
});

test('apply with an extra list merges without changing either list', () => {
  const a = new EditList();
  a.insert(1, 'a');
  const b = new EditList();
  b.insert(1, 'b');
  assert.equal(a.apply(buf, buf.length, b).toString(), '0ab123456789');
  assert.equal(a.size, 1);
  assert.equal(a.apply(buf).toString(), '0a123456789');
});

test('applyRange applies only the edits inside the range', () => {
  const e = new EditList();
  e.insert(1, 'x');
  e.insert(6, ';received=1.2.3.4');
  e.replace(7, 8, 'R');
  assert.equal(e.applyRange(buf, 4, 9), '45;received=1.2.3.46R8');
});

test('byte strings keep UTF-8 bytes as latin1 characters', () => {
  assert.equal(byteString('abc'), 'abc');
  const s = byteString('né');
  assert.equal(s.length, 3);
  assert.deepEqual(Buffer.from(s, 'latin1'), Buffer.from('né', 'utf8'));
});

test('an insertion goes before a replacement starting at the same offset, whatever the recording order', () => {
  const e = new EditList();
  e.replace(5, 7, 'R');
  e.insert(5, 'i');
  e.remove(2, 3);
  e.insert(2, 'j');
  assert.equal(e.apply(buf).toString(), '01j34iR789');
});

test('lengthDelta counts what the edits from an offset on add or take; touches finds edits in a range', () => {
  const e = new EditList();
  assert.equal(e.lengthDelta(4), 0);
  e.insert(1, 'xx'); // before the range: not counted
  e.replace(5, 7, 'ABCD'); // +2
  e.remove(6, 9); // clipped to 7..9: -2
  e.insert(10, '!'); // +1 at the very end
  assert.equal(e.lengthDelta(4), 1);
  assert.equal(e.apply(buf).length - buf.length - 2, 1);
  assert.equal(e.touches(0, 1), false, 'an insertion at the start of a range is not inside it');
  assert.equal(e.touches(0, 2), true);
  assert.equal(e.touches(7, 9), true);
  assert.equal(e.touches(9, 10), false);
  // removes: one deletion covering the whole range (a replacement or a partial one does not)
  assert.equal(e.removes(6, 9), true);
  assert.equal(e.removes(7, 8), true);
  assert.equal(e.removes(5, 9), false, 'the replacement of 5..7 is not a removal');
  assert.equal(e.removes(10, 10), false, 'an insertion removes nothing');
});

test('an edit wholly inside a range removed before it does nothing; one at its end still applies', () => {
  const e = new EditList();
  e.remove(2, 8); // remove_hf()
  e.replace(4, 6, '69'); // a value inside it, edited afterwards (the Max-Forwards decrement)
  e.insert(5, 'x'); // anchored inside the removed text
  e.insert(8, 'y'); // right after it
  assert.equal(e.apply(buf).toString(), '01y89');
  assert.equal(e.lengthDelta(0), '01y89'.length - buf.length);
  assert.equal(e.applyRange(buf, 0, 10), '01y89');
  const r = new EditList();
  r.replace(4, 6, '69'); // recorded first, but the removal starts before it
  r.remove(3, 7);
  assert.equal(r.apply(buf).toString(), '012789');
});
