// The paperfeed dashboard: trending, topics map, search, similar papers, and (signed in) feed and stars.
import './styles.css';
import { api, ApiError, type Filters, type Paper, type Scored, type Topics, type User } from './api';
import { byId, growthBadge, h, message, paperCard, setStarButton, topicDot, type CardActions } from './dom';
import { initDigestForm } from './digest-form';
import { TopicMap } from './topic-map';

type Tab = 'trending' | 'feed' | 'stars' | 'search';
/** Where earlier versions kept the user's token in clear; removed on load. */
const LEGACY_USER_KEY = 'paperfeed.user';

const state = {
  days: 30,
  category: '',
  /** The day after the newest paper (the API's default window end), learned from the first topics answer. */
  corpusEnd: null as string | null,
  tab: 'trending' as Tab,
  query: '',
  user: null as User | null,
  starred: new Set<string>(),
  topics: null as Topics | null,
};

const list = byId('list');
const drawer = byId('drawer');
const drawerBody = byId('drawer-body');
const map = new TopicMap(byId<HTMLCanvasElement>('map'), (id) => void openTopic(id));

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

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function filters(): Filters {
  const f: Filters = state.category ? { category: state.category } : {};
  if (state.corpusEnd) return { ...f, since: addDays(state.corpusEnd, -state.days), until: state.corpusEnd };
  return f;
}

function errorText(err: unknown): string {
  if (err instanceof ApiError && err.status === 401) return 'Your token was not accepted. Check it under “Sign in”.';
  return err instanceof Error ? err.message : String(err);
}

const actions: CardActions = {
  open: (paper) => void openPaper(paper),
};

function cardActions(): CardActions {
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
          if (state.tab === 'stars') void renderList();
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
  target.replaceChildren(...(items.length ? items.map((i) => paperCard(i, cardActions())) : [message(empty)]));
}

async function renderList(): Promise<void> {
  const tab = state.tab;
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === tab)));
  list.setAttribute('aria-busy', 'true');
  try {
    let items: Scored[];
    let empty = 'No papers in this window.';
    if (tab === 'search') {
      items = (await api.search(state.query, filters())).items;
      empty = `Nothing matches “${state.query}”.`;
    } else if (tab === 'feed' && state.user) {
      items = (await api.feed(state.user, filters())).items;
    } else if (tab === 'stars' && state.user) {
      const stars = await api.stars(state.user);
      state.starred = new Set(stars.items.map((s) => s.paperId));
      items = stars.items.flatMap((s) => (s.paper ? [{ paper: s.paper, score: 0 }] : []));
      empty = 'No stars yet: star papers to build your feed.';
    } else {
      items = (await api.trending(filters())).items;
    }
    if (state.tab === tab) renderItems(list, items, empty);
  } catch (err) {
    list.replaceChildren(message(errorText(err), 'error'));
  } finally {
    list.removeAttribute('aria-busy');
  }
}

async function loadTopics(): Promise<void> {
  const status = byId('map-status');
  const topicList = byId('topics');
  status.textContent = 'Clustering papers into topics…';
  try {
    const data = await api.topics(filters());
    state.topics = data;
    state.corpusEnd ??= data.window.until; // the first request has no since/until: the default window
    const w = data.window;
    status.textContent = `${w.papers} papers · ${data.k} topics · ${w.since} – ${addDays(w.until, -1)}`;
    map.show(data);
    topicList.replaceChildren(
      ...data.topics.map((t) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'topic', 'data-topic': t.id, onclick: () => void openTopic(t.id) },
            topicDot(t.id),
            h('span', { class: 'label' }, t.label || '(no distinctive words)'),
            h('span', { class: 'size' }, t.size),
            growthBadge(t.growth),
          ),
        ),
      ),
    );
  } catch (err) {
    status.textContent = errorText(err);
    topicList.replaceChildren();
  }
}

function openDrawer(...content: Node[]): void {
  drawerBody.replaceChildren(...content);
  drawer.hidden = false;
  drawer.scrollTop = 0;
  byId('drawer-close').focus();
}

function closeDrawer(): void {
  drawer.hidden = true;
  map.highlight(null);
}

async function openTopic(id: string): Promise<void> {
  const topic = state.topics?.topics.find((t) => t.id === id);
  if (!topic) return;
  map.highlight(id);
  const papers = h('div', { class: 'papers', 'data-testid': 'topic-papers' }, message('Loading papers…'));
  openDrawer(
    h('p', { class: 'eyebrow' }, topicDot(id), `Topic ${id.slice(1)}`),
    h('h2', {}, topic.label),
    h('p', { class: 'terms' }, ...topic.terms.map((t) => h('span', { class: 'term' }, t))),
    h('p', { class: 'meta' }, `${topic.size} papers (previous window: ${topic.previousSize}) `, growthBadge(topic.growth)),
    papers,
  );
  try {
    const detail = await api.topic(id, filters());
    renderItems(papers, detail.members, 'No papers.');
    if (detail.total > detail.members.length) papers.append(message(`Showing the ${detail.members.length} most central of ${detail.total} papers.`));
  } catch (err) {
    papers.replaceChildren(message(errorText(err), 'error'));
  }
}

async function openPaper(paper: Paper): Promise<void> {
  const similar = h('div', { class: 'papers', 'data-testid': 'similar-papers' }, message('Finding similar papers…'));
  const card = paperCard({ paper, score: 0 }, cardActions());
  card.classList.add('full');
  openDrawer(h('p', { class: 'eyebrow' }, 'Paper'), card, h('h3', {}, 'Similar papers'), similar);
  try {
    renderItems(similar, (await api.similar(paper.id)).items, 'No similar papers.');
  } catch (err) {
    similar.replaceChildren(message(errorText(err), 'error'));
  }
}

function renderAccount(): void {
  const signedIn = state.user !== null;
  byId('account-toggle').textContent = signedIn ? `Signed in · ${state.user!.uid}` : 'Sign in';
  document.querySelectorAll<HTMLElement>('[data-needs-user]').forEach((el) => (el.hidden = !signedIn));
  byId('sign-out').hidden = !signedIn;
  if (!signedIn && (state.tab === 'feed' || state.tab === 'stars')) state.tab = 'trending';
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
    state.tab = 'feed';
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
    void renderList();
  });
  byId<HTMLFormElement>('search').addEventListener('submit', (e) => {
    e.preventDefault();
    state.query = byId<HTMLInputElement>('q').value.trim();
    byId('tab-search').hidden = !state.query;
    state.tab = state.query ? 'search' : 'trending';
    void renderList();
  });
  document.querySelectorAll<HTMLButtonElement>('.tabs button').forEach((b) =>
    b.addEventListener('click', () => {
      state.tab = b.dataset.tab as Tab;
      void renderList();
    }),
  );
  const onFilter = () => {
    state.days = Number(byId<HTMLSelectElement>('days').value);
    state.category = byId<HTMLSelectElement>('category').value;
    closeDrawer();
    void loadTopics();
    void renderList();
  };
  byId('days').addEventListener('change', onFilter);
  byId('category').addEventListener('change', onFilter);
  byId('drawer-close').addEventListener('click', closeDrawer);
  document.addEventListener('keydown', (e) => e.key === 'Escape' && !drawer.hidden && closeDrawer());
}

/** Digest mails link to papers as /#paper=<id>: open that paper's drawer. */
async function openFromHash(): Promise<void> {
  const match = /^#paper=(.+)$/.exec(location.hash);
  if (!match) return;
  try {
    await openPaper(await api.paper(decodeURIComponent(match[1])));
  } catch (err) {
    openDrawer(message(errorText(err), 'error'));
  }
}

async function start(): Promise<void> {
  bind();
  state.user = await loadUser();
  renderAccount();
  void initDigestForm({ user: () => state.user, category: () => state.category });
  void openFromHash();
  window.addEventListener('hashchange', () => void openFromHash());
  const user = state.user;
  if (user) state.tab = 'feed';
  // The topics answer tells where the corpus ends; trending windows are counted back from there.
  await Promise.all([
    loadTopics(),
    user ? api.stars(user).then((s) => (state.starred = new Set(s.items.map((i) => i.paperId))), () => {}) : null,
  ]);
  await renderList();
}

void start();
