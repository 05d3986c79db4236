// The part of Citation.js (MIT; @citation-js/core with its BibTeX and RIS plugins) that src/library/parse.ts uses:
// the packages ship no type declarations.
declare module '@citation-js/core' {
  export const plugins: {
    input: {
      chain(data: unknown, options: { forceType?: string; target?: string; generateGraph?: boolean }): unknown;
    };
  };
}
declare module '@citation-js/plugin-bibtex';
declare module '@citation-js/plugin-ris';
