/** How both engines store a vector: float32 little-endian bytes (SQLite BLOB, PostgreSQL bytea). */
export const toBytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** Copies, because a Buffer from the database need not be 4-byte aligned. */
export const fromBytes = (b: Buffer) => new Float32Array(new Uint8Array(b).buffer);
/** How both engines store a term vector (text/terms.ts): uint32 little-endian bytes. */
export const termsToBytes = (t: Uint32Array) => Buffer.from(t.buffer, t.byteOffset, t.byteLength);
export const termsFromBytes = (b: Buffer) => new Uint32Array(new Uint8Array(b).buffer);
