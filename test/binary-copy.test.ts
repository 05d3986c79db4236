// Index snapshots stream out of PostgreSQL as a one-column binary COPY and are cut into their files while they
// arrive (src/store/pg/binary-copy.ts): whatever the pieces the socket delivers, the bytes come out whole and in order.
import { describe, expect, it } from 'vitest';
import { binaryCopyColumnInto, binaryCopyRows } from '../src/store/pg/binary-copy.js';
import { rng } from './helpers.js';

async function* inPieces(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

describe('binaryCopyColumnInto', () => {
  it('copies the values into the parts, however the stream is cut', async () => {
    const seed = 4242;
    console.log(`binary COPY pieces: seed ${seed}`);
    const next = rng(seed);
    for (let round = 0; round < 40; round++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 5) }, () => Buffer.from(Array.from({ length: Math.floor(next() * 50) }, () => Math.floor(next() * 256))));
      const stream = binaryCopyRows(values.map((v) => [{ bytes: v }]));
      const whole = Buffer.concat(values);
      // Cuts anywhere, including inside the header and the length fields; 1-byte pieces in the first round.
      const cuts = round === 0 ? Array.from({ length: stream.length - 1 }, (_, i) => i + 1) : [...new Set(Array.from({ length: 6 }, () => Math.floor(next() * stream.length)))].sort((a, b) => a - b);
      const split = Math.floor(next() * (whole.length + 1));
      const parts = [Buffer.alloc(split), Buffer.alloc(whole.length - split)];
      expect(await binaryCopyColumnInto(inPieces(stream, cuts), parts)).toBe(true);
      expect(Buffer.concat(parts).equals(whole)).toBe(true);
    }
  });

  it('says false when the values do not fill the parts exactly, or one is NULL', async () => {
    const stream = binaryCopyRows([[{ bytes: Buffer.from('abc') }], [{ bytes: Buffer.from('de') }]]);
    expect(await binaryCopyColumnInto(inPieces(stream, []), [Buffer.alloc(4)])).toBe(false);
    expect(await binaryCopyColumnInto(inPieces(stream, []), [Buffer.alloc(6)])).toBe(false);
    expect(await binaryCopyColumnInto(inPieces(stream, [7]), [Buffer.alloc(2), Buffer.alloc(3)])).toBe(true);
    const withNull = binaryCopyRows([[{ bytes: Buffer.from('abc') }], [{ bytes: null }]]);
    expect(await binaryCopyColumnInto(inPieces(withNull, []), [Buffer.alloc(3)])).toBe(false);
    await expect(binaryCopyColumnInto(inPieces(Buffer.from('not a copy stream at all'), []), [Buffer.alloc(3)])).rejects.toThrow(/not a binary COPY/);
  });
});
