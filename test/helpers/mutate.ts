// Mutations of a SIP message for the hostile-input tests: a few bytes replaced (at random, or by
// a delimiter the parsers split on), a stretch cut out or repeated, or a long number inserted.

/** Bytes SIP's grammar gives a meaning to, and two that are not ASCII. */
const DELIMITERS = [13, 10, 58, 59, 44, 60, 62, 34, 32, 0, 37, 61, 64, 91, 93, 92, 63, 38, 43, 0x80, 0xff];

export function mutate(src: Buffer, rnd: () => number, maxEdits = 8): Buffer {
  let b = Buffer.from(src);
  const n = 1 + Math.floor(rnd() * maxEdits);
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(rnd() * b.length);
    const r = rnd();
    if (r < 0.35) b[pos] = Math.floor(rnd() * 256);
    else if (r < 0.55) b[pos] = DELIMITERS[Math.floor(rnd() * DELIMITERS.length)]!;
    else if (r < 0.7) b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + Math.floor(rnd() * 40)))]);
    else if (r < 0.85) b = Buffer.concat([b.subarray(0, pos), b.subarray(pos, pos + Math.floor(rnd() * 200)), b.subarray(pos)]);
    else {
      const digits = String(Math.floor(rnd() * 4294967296 * (rnd() < 0.5 ? 1 : 1e10)));
      b = Buffer.concat([b.subarray(0, pos), Buffer.from(digits), b.subarray(pos)]);
    }
  }
  return b;
}
