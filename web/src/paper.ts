// The paper page (/papers/{id}) is rendered on the server; this adds star and "not interested" for a signed-in reader.
import './styles.css';
import './paper.css';
import { api, ApiError } from './api';
import { setStarButton } from './star-button';

/** Who the session cookie signs in (the page never sees the token: it lives in an HttpOnly cookie). */
async function signedInUser() {
  try {
    const { user } = await api.session();
    return user ? { uid: user.id } : null;
  } catch {
    return null;
  }
}

async function start(): Promise<void> {
  const user = await signedInUser();
  const article = document.querySelector<HTMLElement>('article.paper');
  const bar = document.querySelector<HTMLElement>('.user-actions');
  if (!user || !article || !bar) return;
  const id = article.dataset.paperId!;
  const star = bar.querySelector<HTMLButtonElement>('button.star')!;
  const dismiss = bar.querySelector<HTMLButtonElement>('button.dismiss')!;
  const status = bar.querySelector<HTMLElement>('.action-status')!;
  const count = document.querySelector<HTMLElement>('[data-star-count]');
  const fail = (err: unknown) => {
    status.textContent = err instanceof ApiError && err.status === 401 ? 'Your token was not accepted: sign in again on the dashboard.' : String((err as Error).message ?? err);
  };
  bar.hidden = false;
  star.disabled = true;
  api.stars(user).then(
    (stars) => {
      setStarButton(star, stars.items.some((s) => s.paperId === id));
      star.disabled = false;
    },
    fail,
  );
  star.addEventListener('click', async () => {
    const on = star.getAttribute('aria-pressed') !== 'true';
    star.disabled = true;
    try {
      await api.star(user, id, on);
      setStarButton(star, on);
      if (count) count.textContent = String(Math.max(0, Number(count.textContent) + (on ? 1 : -1)));
      status.textContent = on ? 'Starred: papers like this one rank higher in your feed.' : 'Star removed.';
    } catch (err) {
      fail(err);
    } finally {
      star.disabled = false;
    }
  });
  dismiss.addEventListener('click', async () => {
    dismiss.disabled = true;
    try {
      await api.notInterested(user, id);
      status.textContent = 'Noted: papers like this one rank lower in your feed.';
    } catch (err) {
      dismiss.disabled = false;
      fail(err);
    }
  });
}

void start();
