// The "Digests by email" form: the signed-in user's feed, or (signed out) the trending list of the chosen category.
// Every subscription is confirmed from the inbox; without SMTP_URL on the server the form says digests are off.
import { api, ApiError, type User } from './api';
import { byId } from './dom';

export interface DigestFormContext {
  user: () => User | null;
  category: () => string;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export async function initDigestForm(ctx: DigestFormContext): Promise<void> {
  const status = byId('digest-status');
  const form = byId<HTMLFormElement>('digest-form');
  const what = byId('digest-what');
  const describe = () => {
    const cat = ctx.category();
    what.textContent = ctx.user()
      ? `Your personal feed (“For you”) at 7:00 your time (${localZone()}), the papers new since the last one.`
      : `Trending papers${cat ? ` in ${cat}` : ''}. Sign in to get your personal feed instead.`;
  };
  try {
    const s = await api.digestStatus();
    status.textContent = s.enabled ? '' : s.detail;
    status.hidden = s.enabled;
    form.hidden = !s.enabled;
  } catch (err) {
    status.textContent = err instanceof Error ? err.message : String(err);
    return;
  }
  describe();
  form.addEventListener('focusin', describe);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = byId<HTMLInputElement>('digest-email').value.trim();
    const cadence = byId<HTMLSelectElement>('digest-cadence').value as 'daily' | 'weekly';
    const user = ctx.user();
    status.hidden = false;
    status.classList.remove('error');
    status.textContent = 'Subscribing…';
    try {
      const body = { email, cadence, timeZone: localZone() };
      if (user) await api.subscribeFeed(user, body);
      else await api.subscribeTrending(ctx.category() ? { ...body, category: ctx.category() } : body);
      status.textContent = `Check your inbox: a confirmation link was sent to ${email}. Nothing is sent before you follow it.`;
      form.reset();
    } catch (err) {
      status.classList.add('error');
      status.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    }
  });
}
