// The "Sign in" panel: a user id and token checked against the API, kept in this browser (user.ts).
import { api, ApiError, type User } from './api';
import { byId } from './dom';
import { saveUser } from './user';

export interface AccountEvents {
  /** A user id and token were accepted; `starred` are that user's starred paper ids. */
  signedIn(user: User, starred: Set<string>): void;
  signedOut(): void;
  errorText(err: unknown): string;
}

/** Shows who is signed in, and the parts of the page that need a user. */
export function renderAccount(user: User | null): void {
  byId('account-toggle').textContent = user ? `Signed in · ${user.uid}` : 'Sign in';
  document.querySelectorAll<HTMLElement>('[data-needs-user]').forEach((el) => (el.hidden = !user));
  byId('sign-out').hidden = !user;
}

async function signIn(uid: string, token: string, events: AccountEvents): Promise<void> {
  const status = byId('account-status');
  const user: User = { uid: uid.trim(), token: token.trim() };
  status.textContent = 'Checking…';
  try {
    const stars = await api.stars(user);
    saveUser(user);
    status.textContent = '';
    byId('account').hidden = true;
    renderAccount(user);
    events.signedIn(user, new Set(stars.items.map((s) => s.paperId)));
  } catch (err) {
    status.textContent = err instanceof ApiError && (err.status === 401 || err.status === 404) ? 'Unknown user id or token.' : events.errorText(err);
  }
}

export function bindAccount(events: AccountEvents): void {
  byId('account-toggle').addEventListener('click', () => {
    const panel = byId('account');
    panel.hidden = !panel.hidden;
    if (!panel.hidden) byId<HTMLInputElement>('uid').focus();
  });
  byId<HTMLFormElement>('account-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(byId<HTMLInputElement>('uid').value, byId<HTMLInputElement>('token').value, events);
  });
  byId('sign-out').addEventListener('click', () => {
    saveUser(null);
    byId('account').hidden = true;
    renderAccount(null);
    events.signedOut();
  });
}
