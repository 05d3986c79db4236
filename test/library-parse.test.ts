// Library files → entries (src/library/parse.ts): what Zotero and Mendeley export, and files at fault.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findArxivId, normalizeDoi, normalizeTitle } from '../src/library/entry.js';
import { MAX_LIBRARY_ENTRIES, parseLibrary, sniffFormat } from '../src/library/parse.js';
import { parseLibraryOffThread } from '../src/library/run.js';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'library', name), 'utf8');
const entries = (text: string, format: 'bibtex' | 'ris' | 'csl-json') => {
  const out = parseLibrary(text, format);
  if (!out.ok) throw new Error(`expected entries, got: ${out.error.message}`);
  return out.entries;
};

describe('parseLibrary', () => {
  it('reads BibTeX: keys and lines, LaTeX titles as text, authors, dates, arXiv ids from eprint and journal, DOIs from links', () => {
    const bib = entries(fixture('zotero.bib'), 'bibtex');
    expect(bib.map((e) => [e.key, e.line])).toEqual([['vaswani2017attention', 2], ['ying2018graph', 13], ['own2026draft', 21], ['noabstract', 29], ['journalref', 35]]);
    expect(bib[0]).toMatchObject({ title: 'Attention Is All You Need', arxivId: '1706.03762', published: '2017-06-01', authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar'] });
    expect(bib[0].abstract).toMatch(/^The dominant sequence transduction models/);
    expect(bib[1]).toMatchObject({ doi: '10.1145/3219819.3219890', arxivId: null, abstract: null });
    expect(bib[2]).toMatchObject({ title: 'A Study of Über-Long Reading Lists with α-Divergences', authors: ['Ada Müller'] });
    // Case-protecting braces go, the math stays for the renderer.
    expect(bib[2].abstract).toBe('We read BERT papers for a year and measure $\\alpha$-divergences between reading lists.');
    expect(bib[4].arxivId).toBe('2101.00001');
  });

  it('reads RIS (Mendeley) and CSL-JSON (Zotero), with arXiv ids from links and arXiv DOIs', () => {
    const ris = entries(fixture('mendeley.ris'), 'ris');
    expect(ris[0]).toMatchObject({ key: 'he2016', line: 1, doi: '10.1109/cvpr.2016.90', arxivId: '1512.03385', authors: ['Kaiming He', 'Xiangyu Zhang'] });
    expect(ris[1]).toMatchObject({ key: 'record 2', line: 12, title: 'An Unknown Workshop Paper on Reading Lists', abstract: 'We propose reading fewer papers.' });
    const csl = entries(fixture('library.csl.json'), 'csl-json');
    expect(csl[0]).toMatchObject({ arxivId: '1810.04805', doi: null, published: '2019-06-01', authors: ['Jacob Devlin', 'Ming-Wei Chang'] });
    expect(csl[1]).toMatchObject({ key: 'draft', authors: ['The Reading Group'], published: null });
    expect(entries('{"title": "One item"}', 'csl-json')).toMatchObject([{ key: '#1', title: 'One item' }]);
  });

  it('refuses files at fault, naming the entry and line', () => {
    expect(parseLibrary(fixture('broken.bib'), 'bibtex')).toMatchObject({ ok: false, error: { entry: 'broken2021', line: 10 } });
    expect(parseLibrary(fixture('broken.ris'), 'ris')).toMatchObject({ ok: false, error: { entry: 'record 2', line: 5, message: expect.stringMatching(/no "ER {2}-"/) } });
    expect(parseLibrary(fixture('broken.csl.json'), 'csl-json')).toMatchObject({ ok: false, error: { entry: 'bad-author', message: expect.stringMatching(/item 2.*author/) } });
    expect(parseLibrary(fixture('truncated.csl.json'), 'csl-json')).toMatchObject({ ok: false, error: { line: 3 } });
    expect(parseLibrary('no entries here', 'bibtex')).toMatchObject({ ok: false, error: { message: expect.stringMatching(/No BibTeX entries/) } });
    expect(parseLibrary('TY  - JOUR\nTI  - x\n', 'ris')).toMatchObject({ ok: false, error: { line: 1, message: expect.stringMatching(/not closed/) } });
    expect(parseLibrary('AU  - Doe\n', 'ris')).toMatchObject({ ok: false, error: { line: 1, message: expect.stringMatching(/outside a record/) } });
    expect(parseLibrary('[]', 'csl-json')).toMatchObject({ ok: false });
    expect(parseLibrary('[1, 2]', 'csl-json')).toMatchObject({ ok: false, error: { entry: '#1' } });
  });

  it(`refuses more than ${MAX_LIBRARY_ENTRIES} entries`, () => {
    const many = JSON.stringify(Array.from({ length: MAX_LIBRARY_ENTRIES + 1 }, (_, i) => ({ id: `e${i}`, title: `T ${i}` })));
    expect(parseLibrary(many, 'csl-json')).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at most 5000/) } });
  });

  it('runs in a worker thread with the same answer', async () => {
    expect(await parseLibraryOffThread(fixture('zotero.bib'), 'bibtex')).toEqual(parseLibrary(fixture('zotero.bib'), 'bibtex'));
    expect(await parseLibraryOffThread(fixture('broken.bib'), 'bibtex')).toMatchObject({ ok: false, error: { entry: 'broken2021' } });
  });
});

describe('entry helpers', () => {
  it('tell the format from the first characters', () => {
    expect(sniffFormat(fixture('zotero.bib'))).toBe('bibtex');
    expect(sniffFormat(fixture('mendeley.ris'))).toBe('ris');
    expect(sniffFormat(`\uFEFF${fixture('library.csl.json')}`)).toBe('csl-json');
    expect(sniffFormat('hello')).toBeNull();
  });

  it('find arXiv ids and DOIs, and compare titles loosely', () => {
    expect(findArxivId('https://arxiv.org/pdf/2101.00001v3')).toBe('2101.00001');
    expect(findArxivId('10.48550/arXiv.2310.12345')).toBe('2310.12345');
    expect(findArxivId('arXiv:cs/0112017')).toBe('cs/0112017');
    expect(findArxivId('Proceedings 2101.00001')).toBeNull(); // a number that is not said to be arXiv's
    expect(normalizeDoi('https://doi.org/10.1145/ABC.123.')).toBe('10.1145/abc.123');
    expect(normalizeTitle('Attention Is {All} You Need.')).toBe(normalizeTitle('attention is all you need'));
    expect(normalizeTitle('Über-long')).toBe('uber long');
  });
});
