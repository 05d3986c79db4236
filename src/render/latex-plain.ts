// Paper text with LaTeX → plain text, without KaTeX: small enough for the embeddable widget's bundle (web/src/embed.ts).

export const TEXT_COMMAND = /\\(textbf|textit|emph|textsl|texttt|underline|textsc|textrm|textsf|url)\s*\{([^{}$]*)\}/g;
export const TEXT_ESCAPE = /\\([%&_#$])/g;
/** \href{url}{text} shows its text (the paper page lists the links an abstract mentions separately). */
export const HREF = /\\href\s*\{[^{}]*\}\s*\{([^{}$]*)\}/g;

/** The text without markup, for places that cannot hold HTML (<title>, meta descriptions, tooltips, the widget). */
export function latexToPlain(text: string): string {
  return text
    .replace(HREF, '$1')
    .replace(TEXT_COMMAND, '$2')
    .replace(/\\\$/g, '\u0000') // an escaped dollar survives the removal of math delimiters
    .replace(/\$\$?|\\[()[\]]/g, '')
    .replace(TEXT_ESCAPE, '$1')
    .replace(/\u0000/g, '$')
    .replace(/\\(mathrm|mathbf|mathit|mathcal|mathbb|text|operatorname)\s*\{([^{}]*)\}/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
}
