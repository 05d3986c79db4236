import { describe, expect, it } from 'vitest';
import { latexToPlain, renderLatex } from '../src/render/latex.js';

describe('renderLatex (KaTeX for titles and abstracts)', () => {
  it('renders $…$, $$…$$, \\(…\\) and \\[…\\] with KaTeX and keeps the text around them', () => {
    const html = renderLatex('$ω$-0 beats $$O(n^2)$$ and \\(\\alpha\\) or \\[x_i\\] here');
    expect(html.match(/class="katex"/g)).toHaveLength(4);
    expect(html).toContain('<annotation encoding="application/x-tex">ω</annotation>');
    expect(html).toContain('-0 beats ');
    expect(html).toContain(' here');
    expect(html).not.toContain('$');
  });

  it('escapes everything that is not math, and text-mode commands become elements', () => {
    const html = renderLatex('<img src=x onerror=alert(1)> & "q" \\textbf{Bold} \\emph{it} 50\\% costs \\$5');
    expect(html).toBe('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; <b>Bold</b> <i>it</i> 50% costs $5');
  });

  it('leaves math KaTeX cannot parse as its escaped source, and never runs \\href', () => {
    expect(renderLatex('bad $\\frac{1$ <b>')).toBe('bad $\\frac{1$ &lt;b&gt;');
    const html = renderLatex('$\\href{javascript:alert(1)}{x}$');
    expect(html).not.toContain('href="javascript');
  });

  it('can defer KaTeX inline styles to data-style (for a CSP without inline styles)', () => {
    const source = '$x^2$';
    expect(renderLatex(source)).toMatch(/ style="/);
    const deferred = renderLatex(source, { styleAttribute: 'data-style' });
    expect(deferred).not.toMatch(/ style="/);
    expect(deferred).toMatch(/ data-style="height:/);
  });

  it('gives plain text for titles and meta tags', () => {
    expect(latexToPlain('$ω$-0: \\textbf{Fast} $\\mathrm{SGD}$ for \\$5')).toBe('ω-0: Fast SGD for $5');
  });
});
