import crypto from 'node:crypto';

/** LaTeX commands whose argument is the visible text: \textbf{x} → x. */
const KEEP_ARG = /\\(?:text(?:bf|it|tt|rm|sc|sf)?|emph|mathrm|mathbf|mathit|mathcal|mathbb|operatorname|underline|url|href\{[^}]*\})\s*\{([^{}]*)\}/g;
/** Commands that carry no words: citations, references, labels. */
const DROP_WITH_ARG = /\\(?:cite[tp]?|ref|eqref|label|footnote)\s*\{[^{}]*\}/g;

/**
 * The text a paper is embedded from: title and abstract with LaTeX markup and whitespace noise removed.
 * Keeps words (\alpha → alpha) so keyword-level models still see them.
 */
export function paperText(title: string, abstract: string): string {
  return `${cleanText(title)}. ${cleanText(abstract)}`;
}

export function cleanText(s: string): string {
  return s
    .replace(DROP_WITH_ARG, ' ')
    .replace(KEEP_ARG, ' $1 ')
    .replace(/\\([A-Za-z]+)/g, ' $1 ') // \alpha → alpha, \log → log
    .replace(/\\./g, ' ') // \, \; \% and other escapes
    .replace(/[{}$^_~]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Identifies the embedded text: same hash, same model → the stored vector is still right. */
export function contentHash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
