// npm run import (src/library/import-cli.ts as a child process, and through bin/paperfeed.mjs on the build): a
// library into the stars or a named collection, the report printed; a file at fault names the entry, imports nothing.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { killChildren, runNode } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const CLI = path.join(PROJECT_ROOT, 'src', 'library', 'import-cli.ts');
const fixture = (name: string) => path.join(PROJECT_ROOT, 'test', 'fixtures', 'library', name);
let dataDir: string;
let userId: string;
const env = () => ({ DATA_DIR: dataDir, SEED_ON_EMPTY: 'false', SYNC_SCHEDULE: 'off' });
const library = async () => {
  const engine = SqliteEngine.open(dataDir);
  try {
    return { stars: await engine.users.starredIds(userId), collections: await engine.library.collections(userId), own: await engine.library.ownPapers(userId) };
  } finally {
    await engine.close();
  }
};

beforeAll(async () => {
  dataDir = tempDir('paperfeed-import-cli-');
  const engine = SqliteEngine.open(dataDir);
  userId = (await engine.users.create('Ada')).user.id;
  await engine.close();
});
afterAll(() => killChildren());

describe('npm run import', () => {
  it('imports into the stars, then into a collection made by name; prints the report', async () => {
    const first = await runNode(CLI, ['--user', userId, '--file', fixture('zotero.bib')], env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/import done \(bibtex, 5 entries\) into the stars: matched 0, added 2, skipped 3; 2 new/);
    expect(first.stderr).toMatch(/skipped noabstract \(line 29\): not in this paperfeed, and no abstract/);
    const second = await runNode(CLI, ['--user', userId, '--file', fixture('mendeley.ris'), '--collection', 'Reading group'], env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/import done \(ris, 2 entries\) into collection c_\w+: matched 0, added 2, skipped 0/);
    const after = await library();
    expect(after.stars).toHaveLength(2);
    expect(after.collections).toMatchObject([{ name: 'Reading group', size: 2 }]);
    expect(after.own).toHaveLength(4);
  });

  it('refuses a bad file (entry and line named, exit 1) and an unknown user (exit 2), importing nothing', async () => {
    const before = await library();
    const bad = await runNode(CLI, ['--user', userId, '--file', fixture('broken.bib')], env());
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/import failed, nothing imported: BibTeX syntax error in entry "broken2021".*\[line 10\]/);
    const nobody = await runNode(CLI, ['--user', 'u_nobody', '--file', fixture('zotero.bib')], env());
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toMatch(/no user "u_nobody"/);
    expect(await library()).toEqual(before);
  });

  it('is a paperfeed command on the build', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'paperfeed.mjs'), 'import', '--help']);
    expect(stdout).toMatch(/usage: npm run import -- --user USER_ID --file LIBRARY/);
  });
});
