/**
 * One OAI-PMH 2.0 ListRecords response (arXiv's `arXivRaw` or `arXiv` metadata format) → records, the resumption
 * token and any OAI error. Like src/ingest/atom.ts, the parser never expands entities: documents with a DTD are
 * refused, and only the predefined XML entities and character references are decoded.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { decodeXmlEntities } from '../atom.js';

const CDATA = '__cdata';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  cdataPropName: CDATA,
  parseTagValue: false, // ids like "2507.15330" and dates stay strings
  parseAttributeValue: false,
  isArray: (name) => ['record', 'version', 'author', 'setSpec', 'error'].includes(name),
});

export type XmlObject = Record<string, unknown>;

/** Text content of an element: undefined when absent, "" when empty. */
export function xmlText(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return decodeXmlEntities(node);
  if (typeof node === 'object' && !Array.isArray(node)) {
    const n = node as XmlObject;
    const plain = typeof n['#text'] === 'string' ? decodeXmlEntities(n['#text']) : '';
    const cdata = typeof n[CDATA] === 'string' ? n[CDATA] : '';
    return plain + cdata;
  }
  return String(node);
}

export function xmlAttr(node: unknown, name: string): string | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const v = (node as XmlObject)[`@_${name}`];
  return typeof v === 'string' ? decodeXmlEntities(v) : undefined;
}

export interface OaiRecord {
  /** The paper id from the header's identifier (oai:arXiv.org:2301.00001 → 2301.00001). */
  id: string;
  datestamp: string;
  deleted: boolean;
  /** The metadata element's content (arXivRaw or arXiv), when the record has one. */
  metadata?: XmlObject;
  format?: 'arXivRaw' | 'arXiv';
}

export interface OaiPage {
  records: OaiRecord[];
  /** The token for the next page; null when this was the last one. */
  token: string | null;
  completeListSize?: number;
  /** An OAI-level error (noRecordsMatch, badResumptionToken, …). */
  error?: { code: string; message: string };
}

export class OaiFormatError extends Error {}

/** How many records are parsed between two yields to the event loop (a few ms of work: the server keeps serving). */
const RECORDS_PER_SLICE = 10;
const RECORD = /<record[\s>][\s\S]*?<\/record\s*>/g;
export const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function validated(xml: string, lineOffset: number): XmlObject {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new OaiFormatError(`invalid XML at line ${valid.err.line + lineOffset}: ${valid.err.msg}`);
  return parser.parse(xml) as XmlObject;
}

/**
 * Parses one response; throws OaiFormatError for invalid XML, a DTD, or something that is not OAI-PMH. A page of
 * 1,000 arXivRaw records is ~2 MB and takes a few hundred ms to parse at once, so the envelope (the document
 * without its records) and each record are validated and parsed on their own, yielding to the event loop between
 * slices of records.
 */
export async function parseListRecords(xml: string): Promise<OaiPage> {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new OaiFormatError('the response declares a DTD or entities; refusing to process it');
  const spans: { text: string; line: number }[] = [];
  let envelope = '';
  let last = 0;
  let line = 0;
  let counted = 0;
  for (const m of xml.matchAll(RECORD)) {
    if (spans.length % 100 === 99) await yieldToLoop();
    for (let nl = xml.indexOf('\n', counted); nl !== -1 && nl < m.index; nl = xml.indexOf('\n', nl + 1)) line++;
    counted = m.index;
    spans.push({ text: m[0], line });
    envelope += xml.slice(last, m.index);
    last = m.index + m[0].length;
  }
  envelope += xml.slice(last);
  const doc = validated(envelope, 0);
  const root = doc['OAI-PMH'];
  if (typeof root !== 'object' || root === null) throw new OaiFormatError('not an OAI-PMH response (no <OAI-PMH> root)');
  const oai = root as XmlObject;
  const errors = Array.isArray(oai.error) ? oai.error : [];
  if (errors.length) {
    const first = errors[0];
    return { records: [], token: null, error: { code: xmlAttr(first, 'code') ?? 'unknown', message: (xmlText(first) ?? '').trim() } };
  }
  if (!('ListRecords' in oai)) throw new OaiFormatError('not a ListRecords response');
  const l = typeof oai.ListRecords === 'object' && oai.ListRecords !== null ? (oai.ListRecords as XmlObject) : {};
  const records: OaiRecord[] = [];
  for (let i = 0; i < spans.length; i++) {
    if (i > 0 && i % RECORDS_PER_SLICE === 0) await yieldToLoop();
    const parsed = validated(spans[i].text, spans[i].line);
    const rec = Array.isArray(parsed.record) ? toRecord(parsed.record[0] as XmlObject) : null;
    if (rec) records.push(rec);
  }
  const tokenNode = l.resumptionToken;
  const token = (xmlText(tokenNode) ?? '').trim() || null;
  const size = Number(xmlAttr(tokenNode, 'completeListSize'));
  return { records, token, ...(Number.isFinite(size) && size > 0 ? { completeListSize: size } : {}) };
}

function toRecord(r: XmlObject): OaiRecord | null {
  const header = r.header as XmlObject | undefined;
  if (typeof header !== 'object' || header === null) return null;
  const identifier = (xmlText(header.identifier) ?? '').trim();
  const id = identifier.replace(/^oai:arXiv\.org:/i, '');
  const datestamp = (xmlText(header.datestamp) ?? '').trim();
  const deleted = xmlAttr(header, 'status') === 'deleted';
  const meta = r.metadata as XmlObject | undefined;
  if (typeof meta === 'object' && meta !== null) {
    if (typeof meta.arXivRaw === 'object' && meta.arXivRaw !== null) return { id, datestamp, deleted, metadata: meta.arXivRaw as XmlObject, format: 'arXivRaw' };
    if (typeof meta.arXiv === 'object' && meta.arXiv !== null) return { id, datestamp, deleted, metadata: meta.arXiv as XmlObject, format: 'arXiv' };
  }
  return { id, datestamp, deleted };
}
