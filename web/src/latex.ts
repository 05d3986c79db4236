// LaTeX in the dashboard: the server's helper (KaTeX), with KaTeX's inline styles applied through the CSSOM, which
// the page's CSP (style-src 'self', no inline style attributes) allows.
import { latexToPlain, renderLatex } from '../../src/render/latex.js';

export { latexToPlain };

/** Applies the data-style attributes renderLatex(…, { styleAttribute: 'data-style' }) wrote. */
export function applyDeferredStyles(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>('[data-style]').forEach((el) => {
    el.style.cssText = el.dataset.style ?? '';
    el.removeAttribute('data-style');
  });
}

/** Fills an element with paper text: math rendered by KaTeX, everything else escaped (renderLatex never emits raw input). */
export function setLatex(el: HTMLElement, text: string): HTMLElement {
  el.innerHTML = renderLatex(text, { styleAttribute: 'data-style' });
  applyDeferredStyles(el);
  return el;
}
