// The star toggle's look, shared by the dashboard cards and the paper page (which must not pull in KaTeX).
export function setStarButton(btn: HTMLButtonElement, on: boolean): void {
  btn.classList.toggle('on', on);
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = on ? '★ Starred' : '☆ Star';
}
