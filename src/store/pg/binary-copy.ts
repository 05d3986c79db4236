/**
 * Rows in PostgreSQL's binary COPY format (signature, flags, header extension; per row a field count and
 * length-prefixed values; -1 at the end), for COPY … FROM STDIN (FORMAT binary). Values go in as they are stored:
 * no text escaping and no hex for bytea, which is what makes COPY the cheap way in for a batch of vectors.
 */
export type CopyValue = { text: string | null } | { int4: number | null } | { bytes: Uint8Array | null };

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export function binaryCopyRows(rows: CopyValue[][]): Buffer {
  const parts: Buffer[] = [SIGNATURE, Buffer.alloc(8)]; // flags 0, no header extension
  const int16 = (n: number) => {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(n);
    return b;
  };
  const int32 = (n: number) => {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(n);
    return b;
  };
  const NULL = int32(-1);
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const v of row) {
      if ('text' in v) {
        if (v.text === null) parts.push(NULL);
        else {
          const b = Buffer.from(v.text, 'utf8');
          parts.push(int32(b.length), b);
        }
      } else if ('int4' in v) {
        parts.push(v.int4 === null ? NULL : Buffer.concat([int32(4), int32(v.int4)]));
      } else if (v.bytes === null) parts.push(NULL);
      else parts.push(int32(v.bytes.byteLength), Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength));
    }
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

/**
 * The values of a one-column binary COPY … TO STDOUT, concatenated. Null when they are not `expected` bytes.
 */
export function binaryCopyColumn(copy: Buffer, expected: number): Buffer | null {
  if (copy.length < 19 || !copy.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
  const out = Buffer.allocUnsafe(expected);
  let at = 19 + copy.readUInt32BE(15);
  let filled = 0;
  for (;;) {
    const fields = copy.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const length = copy.readInt32BE(at);
    at += 4;
    if (length < 0 || filled + length > expected) return null;
    copy.copy(out, filled, at, at + length);
    filled += length;
    at += length;
  }
  return filled === expected ? out : null;
}
