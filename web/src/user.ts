// The signed-in reader: user id and token, kept in this browser only (localStorage), shared by the dashboard and
// the paper pages.
import type { User } from './api';

export const USER_KEY = 'paperfeed.user';

export function loadUser(): User | null {
  try {
    const u = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null');
    return u && typeof u.uid === 'string' && typeof u.token === 'string' ? u : null;
  } catch {
    return null;
  }
}

export function saveUser(user: User | null): void {
  if (user) localStorage.setItem(USER_KEY, JSON.stringify(user));
  else localStorage.removeItem(USER_KEY);
}
