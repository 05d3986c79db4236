// The outside links of a paper page: from its id (arXiv, DOI) and from the URLs its abstract mentions.

export interface PaperLink {
  kind: 'arxiv' | 'pdf' | 'doi' | 'github' | 'project' | 'huggingface';
  label: string;
  href: string;
}

const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;
const DOI = /^10\.\d{4,9}\//;
// http(s) URLs and bare github.com/owner/repo; stops at whitespace, quotes, brackets and LaTeX braces.
const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>(){}[\]\\]+|\bgithub\.com\/[\w.-]+\/[\w.-]+/gi;

/** URLs an abstract mentions, in order, without trailing punctuation. */
export function urlsIn(text: string): string[] {
  const urls = (text.match(URL_IN_TEXT) ?? []).map((u) => u.replace(/[.,;:!?]+$/, '')).map((u) => (/^https?:/i.test(u) ? u : `https://${u}`));
  return [...new Set(urls)].filter((u) => {
    try {
      return /^https?:$/.test(new URL(u).protocol);
    } catch {
      return false;
    }
  });
}

/** arXiv abstract and PDF, DOI, Hugging Face (papers with upvotes came from Daily Papers), GitHub and a project page. */
export function paperLinks(p: { id: string; abstract: string; upvotes: number | null }): PaperLink[] {
  const links: PaperLink[] = [];
  if (ARXIV_ID.test(p.id)) {
    links.push({ kind: 'arxiv', label: 'arXiv', href: `https://arxiv.org/abs/${p.id}` });
    links.push({ kind: 'pdf', label: 'PDF', href: `https://arxiv.org/pdf/${p.id}` });
    if (p.upvotes !== null) links.push({ kind: 'huggingface', label: 'Hugging Face', href: `https://huggingface.co/papers/${p.id}` });
  }
  if (DOI.test(p.id)) links.push({ kind: 'doi', label: 'DOI', href: `https://doi.org/${encodeURI(p.id)}` });
  const urls = urlsIn(p.abstract);
  const github = urls.find((u) => /^https?:\/\/(www\.)?github\.com\/[\w.-]+\/[\w.-]+/i.test(u));
  if (github) links.push({ kind: 'github', label: 'GitHub', href: github });
  const project = urls.find((u) => u !== github && !/^https?:\/\/(www\.)?(arxiv\.org|doi\.org|github\.com)\//i.test(u));
  if (project) links.push({ kind: 'project', label: 'Project page', href: project });
  return links;
}
