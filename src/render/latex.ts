// Paper text with LaTeX → safe HTML: math segments rendered by KaTeX, everything else HTML-escaped. Shared by the
// server-rendered paper page and the dashboard bundle (no Node imports here).
import katex from 'katex';
import { HREF, TEXT_COMMAND, TEXT_ESCAPE } from './latex-plain.js';

export { latexToPlain } from './latex-plain.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** An escaped dollar (matched first, so it never opens math), then math: $$…$$, \[…\], \(…\), $…$. */
const MATH = /\\\$|\$\$([^$]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|\$((?:\\\$|[^$])+?)\$/g;

/** Text-mode commands abstracts use outside math, as the HTML element that shows them. */
const TEXT_COMMANDS: Record<string, string> = { textbf: 'b', textit: 'i', emph: 'i', textsl: 'i', texttt: 'code', underline: 'u', textsc: 'span', textrm: 'span', textsf: 'span', url: 'span' };

function renderText(s: string): string {
  s = s.replace(HREF, '$1');
  let out = '';
  let last = 0;
  for (const m of s.matchAll(TEXT_COMMAND)) {
    out += plain(s.slice(last, m.index));
    const tag = TEXT_COMMANDS[m[1]];
    out += `<${tag}>${plain(m[2])}</${tag}>`;
    last = m.index! + m[0].length;
  }
  return out + plain(s.slice(last));
}

const plain = (s: string) => escapeHtml(s.replace(TEXT_ESCAPE, '$1').replace(/~/g, '\u00a0'));

export interface LatexOptions {
  /**
   * KaTeX lays math out with inline style attributes, which a strict CSP (style-src 'self') refuses when they come
   * from HTML. 'style' keeps them (the server page allows exactly these values by hash); 'data-style' renames them
   * so a script can apply them through the CSSOM, which CSP allows (see applyDeferredStyles in the web client).
   */
  styleAttribute?: 'style' | 'data-style';
}

/**
 * Renders paper text: `$…$`, `$$…$$`, `\(…\)` and `\[…\]` through KaTeX (math that KaTeX cannot parse stays as its
 * escaped source), \textbf{…}-style commands as b/i/code, and all other text escaped. Never throws.
 */
export function renderLatex(text: string, options: LatexOptions = {}): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(MATH)) {
    out += renderText(text.slice(last, m.index));
    last = m.index! + m[0].length;
    if (m[0] === '\\$') {
      out += '$';
      continue;
    }
    const tex = m[1] ?? m[2] ?? m[3] ?? m[4];
    out += renderMath(tex, m[0]);
  }
  out += renderText(text.slice(last));
  return options.styleAttribute === 'data-style' ? out.replace(/ style="/g, ' data-style="') : out;
}

function renderMath(tex: string, source: string): string {
  try {
    // Abstracts are prose: display math is laid out inline too, so a card keeps its line rhythm.
    // trust: false (no \href, \includegraphics); maxExpand bounds macro bombs.
    return katex.renderToString(tex, { displayMode: false, throwOnError: true, strict: 'ignore', trust: false, maxExpand: 200 });
  } catch {
    return escapeHtml(source);
  }
}
