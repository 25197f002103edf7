/**
 * The shape of `docs/generated/NN-slug.json`: a lesson's metadata and its notebook's cells with the
 * output they printed, written by `npm run docs:outputs` and read by the docs site at build time.
 * Kept free of imports so the site's config can bundle it.
 */
export interface CapturedTask {
  readonly title: string;
  readonly points: number;
  readonly hints: readonly string[];
}

export interface CapturedLine {
  /** 1-based line number in notebook.ts. */
  readonly n: number;
  readonly text: string;
}

/**
 * What a cell printed, in order: output (from `show()` or `console.log`) and prose (from `note()`).
 * `volatile` marks output that differed between two captures (random ids, tokens, jittered TTLs):
 * the freshness check compares its shape, not its numbers.
 */
export type CapturedItem = { readonly output: string; readonly volatile?: true } | { readonly note: string };

export interface CapturedCell {
  readonly title: string;
  /** Markdown, dedented. */
  readonly prose: string;
  readonly lines: readonly CapturedLine[];
  readonly items: readonly CapturedItem[];
}

export interface CapturedLesson {
  readonly id: string;
  readonly number: number;
  readonly slug: string;
  readonly title: string;
  readonly summary: string;
  readonly databases: readonly string[];
  readonly objectives: readonly string[];
  readonly tasks: readonly CapturedTask[];
  /** Repository-relative path of the notebook. */
  readonly notebook: string;
  /** The backends line of the run that produced the outputs. */
  readonly backends: string;
  readonly cells: readonly CapturedCell[];
}

/**
 * Output with the parts that change from run to run replaced (ids, dates, durations, tokens, column
 * widths, the length of bars in a chart of timings), so a freshness check compares what a cell shows, not when it ran.
 */
export function normaliseOutput(text: string): string {
  return text
    .replace(/\b[0-9a-f]{24}\b/g, '<id>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?/g, '<date>')
    .replace(/\b\d+(?:\.\d+)?\s?(?:ms|µs|ns|s|x|×)(?![\w])/g, '<n>')
    .replace(/\b[A-Za-z0-9_-]{20,}\b/g, '<token>')
    .replace(/─+/g, '─')
    // A terminal bar chart of measured times (lesson 12): its length is a timing, like the figure beside it.
    .replace(/[▏▎▍▌▋▊▉█]+/g, '█')
    .replace(/[ \t]+/g, ' ');
}

/**
 * For output that changes from run to run by design (random ids, tokens, hashes, jittered TTLs): only
 * its shape counts — every run of six or more word characters and every number is replaced.
 */
export function looseOutput(text: string): string {
  return normaliseOutput(text)
    .replace(/[A-Za-z0-9_-]{6,}/g, '<w>')
    .replace(/\d+(?:\.\d+)?/g, '#')
    .replace(/ +/g, ' ');
}
