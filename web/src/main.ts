// The paperfeed dashboard: date pages, trending, topics map, search, similar papers, and (signed in) feed and stars.
// The URL holds the whole view (view-state.ts); every change goes through navigate(), and back/forward through apply().
import './styles.css';
import { addDays } from '../../src/render/periods.js';
import { api, ApiError, type Filters, type Paper, type Scored, type Topics, type User } from './api';
import { byId, growthBadge, h, message, paperCard, setStarButton, topicDot, type CardActions } from './dom';
import { initDigestForm } from './digest-form';
import { corpusDates, periodFor, renderPeriodBar, type CorpusDates } from './period-bar';
import { TopicMap } from './topic-map';
import { EMPTY_VIEW, parseView, viewSearch, windowKey, type Tab, type View } from './view-state';

/** Where earlier versions kept the user's token in clear; removed on load. */
const LEGACY_USER_KEY = 'paperfeed.user';

const state = {
  view: EMPTY_VIEW,
  dates: { days: [], newest: null, oldest: null } as CorpusDates,
  user: null as User | null,
  starred: new Set<string>(),
  topics: null as Promise<Topics | null> | null,
  /** Papers seen in lists, so opening one needs no request. */
  known: new Map<string, Paper>(),
};

const list = byId('list');
const drawer = byId('drawer');
const drawerBody = byId('drawer-body');
const map = new TopicMap(byId<HTMLCanvasElement>('map'), (id) => navigate({ topic: id, paper: null }));

/** Who the session cookie signs in (the page never sees the token). */
async function loadUser(): Promise<User | null> {
  localStorage.removeItem(LEGACY_USER_KEY);
  try {
    const { user } = await api.session();
    return user ? { uid: user.id } : null;
  } catch {
    return null;
  }
}

/** The tab shown: the view's, else the feed for a signed-in reader; feed and stars need a user, search a query. */
function currentTab(v: View = state.view): Tab {
  const tab = v.tab ?? (state.user ? 'feed' : 'trending');
  if ((tab === 'feed' || tab === 'stars') && !state.user) return 'trending';
  if (tab === 'search' && !v.q) return 'trending';
  return tab;
}

function filters(v: View = state.view): Filters {
  const f: Filters = v.category ? { category: v.category } : {};
  if (v.period) return { ...f, since: v.period.since, until: v.period.until };
  if (state.dates.newest) {
    const until = addDays(state.dates.newest, 1);
    return { ...f, since: addDays(until, -v.days), until };
  }
  return f;
}

function navigate(patch: Partial<View>, how: 'push' | 'replace' = 'push'): void {
  const next = { ...state.view, ...patch };
  const url = `${location.pathname}${viewSearch(next)}`;
  if (url !== `${location.pathname}${location.search}`) history[how === 'push' ? 'pushState' : 'replaceState'](null, '', url);
  apply(next);
}

/** Shows a view, redoing only what changed (the first call does everything). */
function apply(next: View, first = false): void {
  const prev = state.view;
  state.view = next;
  const windowChanged = first || windowKey(prev) !== windowKey(next);
  renderPeriodBar(next, state.dates);
  byId<HTMLSelectElement>('category').value = next.category;
  byId<HTMLInputElement>('q').value = next.q;
  byId('tab-search').hidden = !next.q;
  if (windowChanged) state.topics = loadTopics();
  if (windowChanged || currentTab(prev) !== currentTab(next) || prev.q !== next.q) void renderList();
  if (windowChanged || prev.paper !== next.paper || prev.topic !== next.topic) void showDrawer();
}

function errorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Your token was not accepted. Check it under “Sign in”.';
  return err instanceof Error ? err.message : String(err);
}

function cardActions(): CardActions {
  const actions: CardActions = { open: (paper) => navigate({ paper: paper.id }), href: (paper) => `/papers/${encodeURIComponent(paper.id)}` };
  const user = state.user;
  if (!user) return actions;
  return {
    ...actions,
    star: {
      isStarred: (id) => state.starred.has(id),
      toggle: async (paper, btn) => {
        const on = !state.starred.has(paper.id);
        btn.disabled = true;
        try {
          await api.star(user, paper.id, on);
          if (on) state.starred.add(paper.id);
          else state.starred.delete(paper.id);
          document.querySelectorAll<HTMLButtonElement>(`[data-paper-id="${CSS.escape(paper.id)}"] button.star`).forEach((b) => setStarButton(b, on));
          if (currentTab() === 'stars') void renderList();
        } catch (err) {
          alert(errorText(err));
        } finally {
          btn.disabled = false;
        }
      },
    },
    dismiss: async (paper, card) => {
      try {
        await api.notInterested(user, paper.id);
        card.replaceChildren(message(`Hidden: “${paper.title}”. Papers like it rank lower in your feed.`));
        card.classList.add('dismissed');
      } catch (err) {
        alert(errorText(err));
      }
    },
  };
}

function renderItems(target: HTMLElement, items: Scored[], empty: string): void {
  for (const i of items) state.known.set(i.paper.id, i.paper);
  target.replaceChildren(...(items.length ? items.map((i) => paperCard(i, cardActions())) : [message(empty)]));
}

async function renderList(): Promise<void> {
  const view = state.view;
  const tab = currentTab(view);
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === tab)));
  list.setAttribute('aria-busy', 'true');
  try {
    let items: Scored[];
    let empty = view.period ? 'No papers on these dates. Try the previous or next ones.' : 'No papers in this window.';
    if (tab === 'search') {
      items = (await api.search(view.q, filters(view))).items;
      empty = `Nothing matches “${view.q}”.`;
    } else if (tab === 'feed' && state.user) {
      items = (await api.feed(state.user, filters(view))).items;
    } else if (tab === 'stars' && state.user) {
      const stars = await api.stars(state.user);
      state.starred = new Set(stars.items.map((s) => s.paperId));
      items = stars.items.flatMap((s) => (s.paper ? [{ paper: s.paper, score: 0 }] : []));
      empty = 'No stars yet: star papers to build your feed.';
    } else {
      items = (await api.trending(filters(view))).items;
    }
    if (state.view === view) renderItems(list, items, empty);
  } catch (err) {
    if (state.view === view) list.replaceChildren(message(errorText(err), 'error'));
  } finally {
    if (state.view === view) list.removeAttribute('aria-busy');
  }
}

async function loadTopics(): Promise<Topics | null> {
  const view = state.view;
  const status = byId('map-status');
  const topicList = byId('topics');
  status.textContent = 'Clustering papers into topics…';
  try {
    const data = await api.topics(filters(view));
    if (state.view !== view && windowKey(state.view) !== windowKey(view)) return data;
    const w = data.window;
    status.textContent = `${w.papers} papers · ${data.k} topics`;
    void map.show(data);
    topicList.replaceChildren(
      ...data.topics.map((t) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'topic', 'data-topic': t.id, onclick: () => navigate({ topic: t.id, paper: null }) },
            topicDot(t.id),
            h('span', { class: 'label' }, t.label || '(no distinctive words)'),
            h('span', { class: 'size' }, t.size),
            growthBadge(t.growth),
          ),
        ),
      ),
    );
    return data;
  } catch (err) {
    status.textContent = errorText(err);
    topicList.replaceChildren();
    return null;
  }
}

function openDrawer(...content: Node[]): void {
  drawerBody.replaceChildren(...content);
  const wasHidden = drawer.hidden;
  drawer.hidden = false;
  drawer.scrollTop = 0;
  if (wasHidden) byId('drawer-close').focus();
}

/** The drawer shows the open paper, else the open topic, else nothing. */
async function showDrawer(): Promise<void> {
  const { paper, topic } = state.view;
  map.highlight(topic);
  if (paper) return openPaper(paper);
  if (topic) return openTopic(topic);
  drawer.hidden = true;
}

async function openTopic(id: string): Promise<void> {
  const view = state.view;
  const papers = h('div', { class: 'papers', 'data-testid': 'topic-papers' }, message('Loading papers…'));
  openDrawer(h('p', { class: 'eyebrow' }, topicDot(id), `Topic ${id.slice(1)}`), papers);
  const topics = await state.topics;
  if (state.view !== view) return;
  const topic = topics?.topics.find((t) => t.id === id);
  if (!topic) {
    papers.replaceChildren(message(`This window has no topic ${id} (it has ${topics?.k ?? 0}).`, 'error'));
    return;
  }
  map.highlight(id);
  papers.before(
    h('h2', {}, topic.label),
    h('p', { class: 'terms' }, ...topic.terms.map((t) => h('span', { class: 'term' }, t))),
    h('p', { class: 'meta' }, `${topic.size} papers (previous window: ${topic.previousSize}) `, growthBadge(topic.growth)),
  );
  try {
    const detail = await api.topic(id, filters(view));
    if (state.view !== view) return;
    renderItems(papers, detail.members, 'No papers.');
    if (detail.total > detail.members.length) papers.append(message(`Showing the ${detail.members.length} most central of ${detail.total} papers.`));
  } catch (err) {
    papers.replaceChildren(message(errorText(err), 'error'));
  }
}

async function openPaper(id: string): Promise<void> {
  const view = state.view;
  const similar = h('div', { class: 'papers', 'data-testid': 'similar-papers' }, message('Finding similar papers…'));
  const head = h('div', {}, message('Loading the paper…'));
  openDrawer(h('p', { class: 'eyebrow' }, 'Paper'), head, h('h3', {}, 'Similar papers'), similar);
  let paper = state.known.get(id);
  try {
    paper ??= await api.paper(id);
  } catch (err) {
    if (state.view === view) head.replaceChildren(message(err instanceof ApiError && err.status === 404 ? `No paper with id “${id}”.` : errorText(err), 'error'));
    similar.replaceChildren();
    return;
  }
  if (state.view !== view) return;
  const card = paperCard({ paper, score: 0 }, cardActions());
  card.classList.add('full');
  card.querySelector('.actions')?.prepend(h('a', { href: `/papers/${encodeURIComponent(id)}`, class: 'page-link' }, 'Paper page →'));
  head.replaceChildren(card);
  try {
    const items = (await api.similar(paper.id)).items;
    if (state.view === view) renderItems(similar, items, 'No similar papers.');
  } catch (err) {
    similar.replaceChildren(message(errorText(err), 'error'));
  }
}

function renderAccount(): void {
  const signedIn = state.user !== null;
  byId('account-toggle').textContent = signedIn ? `Signed in · ${state.user!.uid}` : 'Sign in';
  document.querySelectorAll<HTMLElement>('[data-needs-user]').forEach((el) => (el.hidden = !signedIn));
  byId('sign-out').hidden = !signedIn;
}

async function signIn(uid: string, token: string): Promise<void> {
  const status = byId('account-status');
  status.textContent = 'Checking…';
  try {
    const { user: signedIn } = await api.signIn(uid.trim(), token.trim());
    const user = { uid: signedIn!.id };
    const stars = await api.stars(user);
    state.user = user;
    state.starred = new Set(stars.items.map((s) => s.paperId));
    status.textContent = '';
    byId('account').hidden = true;
    renderAccount();
    navigate({ tab: 'feed' });
    void renderList();
  } catch (err) {
    status.textContent =
      err instanceof ApiError && (err.status === 401 || err.status === 404)
        ? 'Unknown user id or token.'
        : err instanceof ApiError && err.status === 400
          ? err.message
          : errorText(err);
  }
}

function showNotice(problems: string[]): void {
  const notice = byId('notice');
  notice.hidden = problems.length === 0;
  notice.textContent = problems.length ? `Part of this link was not understood: ${problems.join('; ')}.` : '';
}

function bind(): void {
  byId('account-toggle').addEventListener('click', () => {
    const panel = byId('account');
    panel.hidden = !panel.hidden;
    if (!panel.hidden) byId<HTMLInputElement>('uid').focus();
  });
  byId<HTMLFormElement>('account-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn(byId<HTMLInputElement>('uid').value, byId<HTMLInputElement>('token').value);
  });
  byId('sign-out').addEventListener('click', () => {
    void api.signOut().catch(() => {});
    state.user = null;
    state.starred.clear();
    byId('account').hidden = true;
    renderAccount();
    navigate({ tab: null });
    void renderList();
  });
  byId<HTMLFormElement>('search').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = byId<HTMLInputElement>('q').value.trim();
    navigate({ q, tab: q ? 'search' : null, paper: null, topic: null });
  });
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) => b.addEventListener('click', () => navigate({ tab: b.dataset.tab as Tab })));
  byId<HTMLSelectElement>('span').addEventListener('change', (e) => {
    const value = (e.target as HTMLSelectElement).value;
    const rolling = /^\d+$/.test(value);
    navigate({ period: rolling ? null : periodFor(value as 'date' | 'week' | 'month', state.view, state.dates), days: rolling ? Number(value) : state.view.days, paper: null, topic: null });
  });
  byId<HTMLInputElement>('day-picker').addEventListener('change', (e) => {
    const day = (e.target as HTMLInputElement).value;
    if (!day) return;
    const kind = state.view.period?.kind ?? 'date';
    navigate({ period: periodFor(kind, { ...state.view, period: { kind: 'date', value: day, since: day, until: addDays(day, 1) } }, state.dates), paper: null, topic: null });
  });
  for (const id of ['prev', 'next']) {
    byId<HTMLAnchorElement>(id).addEventListener('click', (e) => {
      e.preventDefault();
      const link = e.currentTarget as HTMLAnchorElement;
      if (link.hasAttribute('aria-disabled')) return;
      history.pushState(null, '', link.href);
      apply(parseView(new URL(link.href).search).view);
    });
  }
  byId<HTMLSelectElement>('category').addEventListener('change', (e) => navigate({ category: (e.target as HTMLSelectElement).value, paper: null, topic: null }));
  byId('drawer-close').addEventListener('click', () => navigate({ paper: null, topic: null }));
  document.addEventListener('keydown', (e) => e.key === 'Escape' && !drawer.hidden && navigate({ paper: null, topic: null }));
  window.addEventListener('popstate', () => {
    const { view, problems } = parseView(location.search);
    showNotice(problems);
    apply(view);
  });
}

/** Older digest mails link to papers as /#paper=<id>: open that paper, as ?paper= does. */
async function openFromHash(): Promise<void> {
  const match = /^#paper=(.+)$/.exec(location.hash);
  if (match) navigate({ paper: decodeURIComponent(match[1]) }, 'replace');
}

async function start(): Promise<void> {
  bind();
  // The calendar does not depend on who is signed in: ask for both at once.
  const calendarLoad = api.calendar().catch(() => null);
  state.user = await loadUser();
  renderAccount();
  void initDigestForm({ user: () => state.user, category: () => state.view.category });
  void openFromHash();
  window.addEventListener('hashchange', () => void openFromHash());
  // Phone first: the papers come first and the map starts folded away on narrow screens.
  if (matchMedia('(max-width: 900px)').matches) (byId('map-box') as HTMLDetailsElement).open = false;
  const { view, problems } = parseView(location.search);
  showNotice(problems);
  if (problems.length) history.replaceState(null, '', `${location.pathname}${viewSearch(view)}`);
  // Default windows end at the newest paper in the store, not today: the calendar says where that is.
  const [calendar] = await Promise.all([
    calendarLoad,
    state.user ? api.stars(state.user).then((s) => (state.starred = new Set(s.items.map((i) => i.paperId))), () => {}) : null,
  ]);
  if (calendar) state.dates = corpusDates(calendar);
  apply(view, true);
}

void start();
