import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { binaryCopyColumnInto } from './binary-copy.js';
import { inTransaction } from './pool.js';
import { LOCKS } from './schema.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Index snapshots kept in the database: the newest per model, written by one process at a time. */
export interface IndexSnapshots {
  latest(model: string): Promise<{ id: number; version: number } | null>;
  /**
   * The snapshot's manifest (JSON) and file bytes, or null if it was replaced meanwhile. The bytes come in parts:
   * `split(manifest, bytes)` gives the sizes of the leading ones (say, of files stored back to back), the rest is the last.
   */
  read(id: number, split?: (manifest: string, bytes: number) => number[]): Promise<{ manifest: string; parts: Buffer[] } | null>;
  /**
   * Stores a snapshot covering change-log `version` and drops older ones of the model; false (nothing written) when
   * another process is writing one right now or a snapshot at least as new exists.
   */
  write(model: string, version: number, manifest: string, data: Buffer): Promise<boolean>;
}

export function pgIndexSnapshots(pool: pg.Pool): IndexSnapshots {
  return {
    async latest(model) {
      const { rows } = await pool.query<{ id: number; version: number }>(
        'SELECT id, version FROM index_snapshots WHERE model = $1 ORDER BY version DESC, id DESC LIMIT 1',
        [model],
      );
      return rows[0] ?? null;
    },
    // The chunks as a binary COPY, copied into the parts as they arrive: the bytes come as they are stored. Read as
    // query rows, node-postgres turns each into hex text and back on the main thread, which a replica starting up
    // needs for other work (BENCHMARKS.md).
    async read(id, split = () => []) {
      const head = (await pool.query<{ manifest: string; bytes: number }>('SELECT manifest, bytes FROM index_snapshots WHERE id = $1', [id])).rows[0];
      if (!head) return null;
      const sizes = split(head.manifest, head.bytes);
      const rest = head.bytes - sizes.reduce((sum, n) => sum + n, 0);
      if (rest < 0 || sizes.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`snapshot ${id}: its parts do not fit its ${head.bytes} bytes`);
      // allocUnsafeSlow: each part its own memory (not a slice of a pooled one), so a part kept does not keep others.
      const parts = [...sizes, rest].map((n) => Buffer.allocUnsafeSlow(n));
      const client = await pool.connect();
      let whole = false; // read to its end: else the connection is mid-COPY, and closed rather than reused
      try {
        const stream = client.query(copyTo(`COPY (SELECT data FROM index_snapshot_chunks WHERE snapshot_id = ${Number(id)} ORDER BY n) TO STDOUT (FORMAT binary)`));
        whole = await binaryCopyColumnInto(stream, parts);
        return whole ? { manifest: head.manifest, parts } : null;
      } finally {
        client.release(!whole);
      }
    },
    async write(model, version, manifest, data) {
      return inTransaction(pool, async (c) => {
        if (!(await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [LOCKS.snapshot])).rows[0].ok) return false;
        const newest = (await c.query<{ v: number | null }>('SELECT max(version) AS v FROM index_snapshots WHERE model = $1', [model])).rows[0].v;
        if (newest !== null && newest >= version) return false;
        const { id } = (
          await c.query<{ id: number }>('INSERT INTO index_snapshots (model, version, manifest, bytes) VALUES ($1, $2, $3, $4) RETURNING id', [
            model,
            version,
            manifest,
            data.length,
          ])
        ).rows[0];
        const chunks: Buffer[] = [];
        for (let i = 0; i < data.length; i += CHUNK_BYTES) chunks.push(data.subarray(i, i + CHUNK_BYTES));
        await c.query('INSERT INTO index_snapshot_chunks (snapshot_id, n, data) SELECT $1, n, d FROM unnest($2::bytea[]) WITH ORDINALITY AS t(d, n)', [
          id,
          chunks,
        ]);
        await c.query('DELETE FROM index_snapshots WHERE model = $1 AND id <> $2', [model, id]);
        return true;
      });
    },
  };
}

