// Collections in the dashboard: the "Collections" tab (the user's collections, a new one, importing a library), one
// collection's page (its feed or its papers; shared read-only through ?owner=&collection=&key=), and the open
// paper's collection picker. All state is in the URL (view-state.ts): ?collection=…[&show=papers].
import { api, type Collection, type CollectionRef, type Filters, type ImportReport, type Paper, type Scored, type User } from './api';
import { h, message } from './dom';
import type { View } from './view-state';

export interface CollectionsContext {
  user(): User | null;
  view(): View;
  navigate(patch: Partial<View>): void;
  renderItems(target: HTMLElement, items: Scored[], empty: string): void;
  filters(): Filters;
  errorText(err: unknown): string;
}

/** The open collection of a view: the user's own, or a shared one (owner and key from the link). */
export function collectionRef(view: View, user: User | null): CollectionRef | null {
  if (!view.collection) return null;
  if (view.key && view.owner) return { owner: view.owner, id: view.collection, key: view.key };
  return user ? { owner: user.uid, id: view.collection } : null;
}

const open = (ctx: CollectionsContext, c: Collection) => ctx.navigate({ collection: c.id, owner: null, key: null, collectionPapers: false, paper: null, topic: null });

/** The "Collections" tab. */
export async function renderCollectionsTab(target: HTMLElement, ctx: CollectionsContext): Promise<void> {
  const user = ctx.user()!;
  const { items } = await api.collections(user);
  const status = h('span', { class: 'status', role: 'status' });
  const name = h('input', { name: 'name', required: true, maxlength: 100, placeholder: 'e.g. Reading group', 'aria-label': 'New collection name' });
  const create = h(
    'form',
    {
      class: 'inline-form',
      'data-testid': 'new-collection',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          open(ctx, await api.createCollection(user, name.value.trim()));
        } catch (err) {
          status.textContent = ctx.errorText(err);
        }
      },
    },
    name,
    h('button', { type: 'submit' }, 'New collection'),
    status,
  );
  const list = items.length
    ? h(
        'ul',
        { class: 'collections' },
        ...items.map((c) =>
          h(
            'li',
            {},
            h('a', { href: `/?collection=${encodeURIComponent(c.id)}`, onclick: (e: Event) => (e.preventDefault(), open(ctx, c)) }, c.name),
            h('span', { class: 'size' }, `${c.size} paper${c.size === 1 ? '' : 's'}${c.shared ? ' · shared' : ''}`),
          ),
        ),
      )
    : message('No collections yet. Make one here, or add the open paper to one from its “Collections” box.');
  target.replaceChildren(h('h2', { class: 'section-title' }, 'Your collections'), list, create, importForm(user, items, ctx));
}

function importForm(user: User, collections: Collection[], ctx: CollectionsContext): HTMLElement {
  const file = h('input', { type: 'file', name: 'file', required: true, accept: '.bib,.bibtex,.ris,.json,.txt', 'aria-label': 'Library file' });
  const format = h(
    'select',
    { name: 'format', 'aria-label': 'Format' },
    h('option', { value: '' }, 'Format: tell from the file'),
    h('option', { value: 'bibtex' }, 'BibTeX'),
    h('option', { value: 'ris' }, 'RIS'),
    h('option', { value: 'csl-json' }, 'CSL-JSON'),
  );
  const into = h('select', { name: 'into', 'aria-label': 'Import into' }, h('option', { value: '' }, 'Into: my stars'), ...collections.map((c) => h('option', { value: c.id }, `Into: ${c.name}`)));
  const result = h('div', { class: 'import-result', role: 'status', 'data-testid': 'import-result' });
  const submit = h('button', { type: 'submit' }, 'Import');
  return h(
    'form',
    {
      class: 'import-form',
      'data-testid': 'import-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const chosen = file.files?.[0];
        if (!chosen) return;
        submit.disabled = true;
        result.replaceChildren(message('Importing…'));
        try {
          result.replaceChildren(...reportView(await api.importLibrary(user, await chosen.text(), format.value, into.value)));
        } catch (err) {
          result.replaceChildren(message(ctx.errorText(err), 'error'));
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', { class: 'section-title' }, 'Import your library'),
    h('p', { class: 'hint' }, 'A BibTeX, RIS or CSL-JSON export (Zotero, Mendeley, …). Papers found here are starred; the others with an abstract become your own private papers, which shape your feed.'),
    file,
    format,
    into,
    submit,
    result,
  );
}

function reportView(r: ImportReport): HTMLElement[] {
  const at = (w: { key: string; line?: number }) => `${w.key}${w.line !== undefined ? ` (line ${w.line})` : ''}`;
  const out: HTMLElement[] = [
    h('p', { class: 'summary' }, `${r.entries} entries: ${r.matched.length} matched, ${r.added.length} added as your own, ${r.skipped.length} skipped (${r.newInTarget} new).`),
  ];
  if (r.skipped.length) out.push(h('ul', { class: 'skipped' }, ...r.skipped.map((s) => h('li', {}, `${at(s)}${s.title ? ` “${s.title}”` : ''}: ${s.reason}`))));
  return out;
}

/** One collection: header, owner's controls, and its feed or papers. */
export async function renderCollection(target: HTMLElement, ref: CollectionRef, ctx: CollectionsContext): Promise<void> {
  const view = ctx.view();
  const { collection, items } = await api.collection(ref);
  const readOnly = ref.key !== undefined;
  const body = h('div', { class: 'papers', 'data-testid': 'collection-list' }, message('Loading…'));
  const switcher = h(
    'div',
    { class: 'switch', role: 'group', 'aria-label': 'Show' },
    h('button', { type: 'button', 'aria-pressed': String(!view.collectionPapers), onclick: () => ctx.navigate({ collectionPapers: false }) }, 'Its feed'),
    h('button', { type: 'button', 'aria-pressed': String(view.collectionPapers), onclick: () => ctx.navigate({ collectionPapers: true }) }, `Its papers (${collection.size})`),
  );
  target.replaceChildren(
    h('h2', { class: 'section-title', 'data-testid': 'collection-name' }, collection.name, readOnly ? h('span', { class: 'badge' }, 'shared with you · read-only') : ''),
    readOnly ? '' : shareBox(ref, collection, ctx),
    switcher,
    body,
  );
  if (view.collectionPapers) {
    const papers: Scored[] = items.flatMap((i) => (i.paper ? [{ paper: i.paper as Paper, score: 0, reason: i.own ? 'Your own paper (imported; private)' : undefined }] : []));
    ctx.renderItems(body, papers, 'No papers yet: open a paper and tick this collection in its “Collections” box.');
  } else {
    const feed = await api.collectionFeed(ref, ctx.filters());
    ctx.renderItems(body, feed.items, 'No papers in this window.');
  }
}

function shareBox(ref: CollectionRef, c: Collection, ctx: CollectionsContext): HTMLElement {
  const out = h('div', { class: 'share', 'data-testid': 'share-box' });
  const status = h('span', { class: 'status', role: 'status' });
  const render = (shared: boolean, links?: { url: string; feedUrl: string }) => {
    const linkField = (label: string, value: string) => h('label', {}, label, h('input', { readonly: true, value, onfocus: (e: Event) => (e.target as HTMLInputElement).select() }));
    out.replaceChildren(
      h('button', { type: 'button', class: 'ghost', onclick: () => void toggle(true) }, shared ? (links ? 'New share link' : 'Get a new share link') : 'Share read-only'),
      shared ? h('button', { type: 'button', class: 'ghost', onclick: () => void toggle(false) }, 'Make private') : '',
      shared && !links ? h('span', { class: 'hint' }, 'Shared: whoever has the link can read it. Links are shown once; get a new one to copy it again.') : '',
      links ? linkField('Link', links.url) : '',
      links ? linkField('Atom feed', links.feedUrl) : '',
      h('button', { type: 'button', class: 'ghost danger', onclick: () => void remove() }, 'Delete collection'),
      status,
    );
  };
  const toggle = async (on: boolean) => {
    try {
      if (on) render(true, await api.share(ref));
      else {
        await api.unshare(ref);
        render(false);
      }
    } catch (err) {
      status.textContent = ctx.errorText(err);
    }
  };
  const remove = async () => {
    if (!confirm(`Delete the collection “${c.name}”? Its papers stay in paperfeed.`)) return;
    await api.deleteCollection(ref);
    ctx.navigate({ collection: null, tab: 'collections' });
  };
  render(c.shared);
  return out;
}

/** The open paper's collections: a checkbox each (added or removed at once), and a new collection holding it. */
export function collectionPicker(user: User, paper: Paper, ctx: CollectionsContext): HTMLElement {
  const box = h('fieldset', { class: 'picker', 'data-testid': 'collection-picker' }, h('legend', {}, 'Collections'), message('Loading…'));
  const status = h('span', { class: 'status', role: 'status' });
  const load = async () => {
    const { items } = await api.collections(user, paper.id);
    const name = h('input', { maxlength: 100, placeholder: 'New collection', 'aria-label': 'New collection with this paper' });
    box.replaceChildren(
      h('legend', {}, 'Collections'),
      ...items.map((c) => {
        const tick = h('input', { type: 'checkbox', checked: c.hasPaper === true, 'data-collection': c.id });
        tick.addEventListener('change', async () => {
          tick.disabled = true;
          try {
            await api.setMember({ owner: user.uid, id: c.id }, paper.id, tick.checked);
            status.textContent = tick.checked ? `Added to “${c.name}”.` : `Removed from “${c.name}”.`;
          } catch (err) {
            tick.checked = !tick.checked;
            status.textContent = ctx.errorText(err);
          } finally {
            tick.disabled = false;
          }
        });
        return h('label', { class: 'tick' }, tick, c.name);
      }),
      h(
        'form',
        {
          class: 'inline-form',
          onsubmit: async (e: Event) => {
            e.preventDefault();
            if (!name.value.trim()) return;
            try {
              const c = await api.createCollection(user, name.value.trim());
              await api.setMember({ owner: user.uid, id: c.id }, paper.id, true);
              await load();
              status.textContent = `Added to the new collection “${c.name}”.`;
            } catch (err) {
              status.textContent = ctx.errorText(err);
            }
          },
        },
        name,
        h('button', { type: 'submit', class: 'ghost' }, 'Add'),
      ),
      status,
    );
  };
  load().catch((err) => box.replaceChildren(h('legend', {}, 'Collections'), message(ctx.errorText(err), 'error')));
  return box;
}
