import { escapeHtml as esc } from '../render/latex.js';

/** A plain HTML page for a link from a mail: no script, no styles from elsewhere (the app's strict CSP holds). */
export interface LinkPage {
  status: 200 | 400 | 404 | 409 | 410 | 503;
  title: string;
  lines: string[];
  /** Buttons, each a form POSTing to `action` (default: the same URL). */
  forms?: { label: string; action?: string; note?: string }[];
}


export function renderPage(p: LinkPage): string {
  const forms = (p.forms ?? [])
    .map((f) => `<form method="post"${f.action ? ` action="${esc(f.action)}"` : ''}>${f.note ? `<p>${esc(f.note)}</p>` : ''}<button type="submit">${esc(f.label)}</button></form>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(p.title)} · paperfeed</title></head>
<body><main>
<h1>${esc(p.title)}</h1>
${p.lines.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${forms}
<p><a href="/">paperfeed</a></p>
</main></body></html>
`;
}

export const invalidLink = (): LinkPage => ({ status: 404, title: 'This link is not valid', lines: ['It may have been mistyped or cut off. Nothing was changed.'] });
export const expiredLink = (): LinkPage => ({ status: 410, title: 'This link has expired', lines: ['Nothing was changed. Links in digests work for a limited time.'] });
