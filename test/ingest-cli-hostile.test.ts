// Hostile ingest files, end to end through the CLI (`src/ingest/cli.ts` as a child process): malformed lines, wrong
// types, Latin-1 bytes, a 50 MB abstract line, duplicate ids in one file, a UTF-16 file and an Atom file with a
// billion-laughs entity declaration. Bad records are rejected with file and line, bad files are named with the
// reason (a UTF-16 file is refused as such), the rest is ingested, and the exit code says something failed.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, runCli, storeCounts } from './fault-helpers.js';
import { tempDir } from './helpers.js';

let work: string;
const rec = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, title: `Title of ${id} about graph neural networks`, abstract: `We study ${id}. Graph neural networks are evaluated on benchmarks.`, published: '2026-08-01', categories: ['cs.LG'], ...extra });

beforeAll(() => {
  work = tempDir('paperfeed-ingest-hostile-');
});
afterAll(() => {
  killChildren();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('ingest CLI on hostile files', () => {
  it('rejects bad records and files with line numbers and reasons, ingests the rest, exits 1', async () => {
    const mixed = path.join(work, 'mixed.jsonl');
    const fd = fs.openSync(mixed, 'w');
    const line = (s: string | Buffer) => fs.writeSync(fd, Buffer.concat([Buffer.isBuffer(s) ? s : Buffer.from(s), Buffer.from('\n')]));
    line(rec('h-1')); // 1
    line('{not json'); // 2
    line(JSON.stringify({ id: 5, title: [], abstract: null })); // 3
    line(rec('h-2')); // 4
    line(Buffer.from('{"id":"h-latin1","title":"Caf\xe9 na\xefve graph r\xe9sum\xe9","abstract":"R\xe9sum\xe9 of a study of graph networks."}', 'latin1')); // 5
    // 6: a 50 MB abstract on one line, written in pieces.
    fs.writeSync(fd, '{"id":"h-giant","title":"Giant","abstract":"');
    const piece = Buffer.alloc(1024 * 1024, 'word '.repeat(1));
    for (let i = 0; i < 50; i++) fs.writeSync(fd, piece);
    line('"}');
    line(rec('h-1', { abstract: 'A second record for h-1 in the same file: its text replaces the first.' })); // 7
    line(rec('h-3')); // 8
    line('[1,2,3]'); // 9: JSON, not an object
    line(rec('', {})); // 10: empty id
    line(rec('x'.repeat(201))); // 11: id too long
    fs.closeSync(fd);

    const utf16 = path.join(work, 'utf16.jsonl');
    fs.writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${rec('u16-a')}\n${rec('u16-b')}\n`, 'utf16le')]));

    const laughs = path.join(work, 'laughs.xml');
    fs.writeFileSync(
      laughs,
      `<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2601.00001v1</id><title>&lol9;</title><summary>&lol9;</summary></entry></feed>`,
    );
    const good = path.join(work, 'good.jsonl');
    fs.writeFileSync(good, [rec('g-1'), rec('g-2')].join('\n') + '\n');

    const dir = path.join(work, 'data');
    const r = await runCli(dir, [mixed, utf16, laughs, good, path.join(work, 'missing.jsonl')], { INGEST_BATCH_SIZE: '4' });
    const err = r.stderr;
    expect(r.signal).toBeNull();
    expect(r.code, err).toBe(1); // some files failed
    expect(err).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    const rejected = (file: string, lineNo: number) => new RegExp(`rejected ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${lineNo}: \\S`);
    for (const n of [2, 3, 6, 9, 10, 11]) expect(err, `line ${n}`).toMatch(rejected(mixed, n));
    expect(err).toMatch(new RegExp(`${mixed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: line longer than \\d+ bytes`));
    expect(err).toMatch(/failed .*laughs\.xml: .*entit/i);
    expect(err).toMatch(/failed .*missing\.jsonl: /);
    // UTF-16: the file is refused as such (not one garbled rejection per line), nothing is stored from it.
    expect(err).toMatch(/failed .*utf16\.jsonl: .*UTF-16.*UTF-8/);

    const counts = storeCounts(dir);
    expect(counts.papers).toBe(counts.distinctIds);
    const db = new Database(path.join(dir, 'paperfeed.db'), { readonly: true });
    try {
      const ids = (db.prepare('SELECT id FROM papers ORDER BY id').pluck().all() as string[]).sort();
      expect(ids).toEqual(['g-1', 'g-2', 'h-1', 'h-2', 'h-3', 'h-latin1'].sort());
      expect((db.prepare("SELECT abstract FROM papers WHERE id = 'h-1'").pluck().get() as string)).toMatch(/second record/);
      // Latin-1 bytes are not valid UTF-8: they become U+FFFD, the record is kept and the text stays searchable.
      expect(db.prepare("SELECT title FROM papers WHERE id = 'h-latin1'").pluck().get()).toMatch(/Caf\ufffd na\ufffdve graph/);
    } finally {
      db.close();
    }
    expect(counts.vectors).toBe(counts.papers);
    console.log(`ingest-cli-hostile: exit ${r.code} in ${r.ms} ms; stored ${counts.papers}; stderr:\n${err.split('\n').filter((l) => /rejected|failed/.test(l)).map((l) => `  ${l.slice(0, 160)}`).join('\n')}`);
  }, 120_000);
});
