/**
 * The NoSQL Lab docs site (VitePress). Lesson pages are Markdown with directives (`<!-- @notebook -->`,
 * `<!-- @tasks -->`, …) expanded at build time from `docs/generated/NN-slug.json`, which
 * `npm run docs:outputs` writes by running each notebook; see lab/docs/expand.ts.
 *
 *   npm run docs            dev server with hot reload
 *   npm run docs:build      static site in docs/.vitepress/dist (dead links fail the build)
 *   npm run docs:preview    serves the built site
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { defineConfig, type DefaultTheme } from 'vitepress';
import type { CapturedLesson } from '../../lab/docs/captured.ts';
import { DirectiveError, expandDirectives, missingDirectives } from '../../lab/docs/expand.ts';

const DOCS = fileURLToPath(new URL('..', import.meta.url));
const GENERATED = join(DOCS, 'generated');
const LESSON_PAGE = /^lessons\/(\d\d-[a-z0-9-]+)\.md$/;
/** Where "Edit this page" points; GitHub Actions sets GITHUB_REPOSITORY. */
const REPOSITORY = process.env.GITHUB_REPOSITORY ?? 'nosql-lab/nosql-lab';

function captured(id: string): CapturedLesson | undefined {
  const path = join(GENERATED, `${id}.json`);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CapturedLesson) : undefined;
}

/** The lesson pages that exist, in order, with their captured data. */
function lessonPages(): { id: string; lesson: CapturedLesson }[] {
  return readdirSync(join(DOCS, 'lessons'))
    .filter((f) => /^\d\d-[a-z0-9-]+\.md$/.test(f))
    .sort()
    .map((f) => {
      const id = f.replace(/\.md$/, '');
      const lesson = captured(id);
      if (!lesson) throw new DirectiveError(`docs/lessons/${f} has no docs/generated/${id}.json: run \`npm run docs:outputs\`.`);
      return { id, lesson };
    });
}

const lessons = lessonPages();

const INPAGE = join(DOCS, '.vitepress', 'inpage');
const SHIMS = join(INPAGE, 'shims');

/**
 * What the in-page runtime's worker (inpage/worker.ts) needs to bundle the official driver, the
 * emulator and ioredis-mock for the browser: Node's buffer/events/stream/util as the browserify
 * polyfills (from node-stdlib-browser; inpage/globals.ts sets Buffer, process and global), and
 * shims for what has no polyfill. The driver's socket is an in-memory pair to the emulator
 * (shims/net.ts); `process` must be the CommonJS one (the driver reads `require('process').env`);
 * what the page never uses (TLS, DNS, compression, files, auth hashes) is an empty module.
 */
function inPageRuntime() {
  const shim = (name: string): string => join(SHIMS, name);
  const pkg = (name: string): string => fileURLToPath(new URL(`../../node_modules/${name}`, import.meta.url));
  const node = (names: string): RegExp => new RegExp(`^(node:)?(${names})$`);
  const alias = [
    { find: node('net|tls|dns|dns/promises'), replacement: shim('net.ts') },
    { find: node('timers/promises'), replacement: shim('timers-promises.ts') },
    { find: node('process'), replacement: pkg('process/browser.js') },
    { find: node('buffer'), replacement: pkg('buffer/index.js') },
    { find: node('events'), replacement: pkg('events/events.js') },
    { find: node('stream'), replacement: pkg('stream-browserify/index.js') },
    { find: node('util'), replacement: shim('util.ts') },
    { find: node('string_decoder'), replacement: pkg('string_decoder/lib/string_decoder.js') },
    { find: node('path'), replacement: pkg('path-browserify/index.js') },
    { find: node('url'), replacement: shim('url.ts') },
    { find: node('timers'), replacement: pkg('timers-browserify/main.js') },
    { find: node('crypto'), replacement: shim('crypto.ts') },
    // ioredis-mock's own browser build carries crypto-browserify (for one SHA-1) and its own copies of
    // buffer and stream: its Node build, bundled with the shims above, is about half the size.
    { find: /^ioredis-mock$/, replacement: pkg('ioredis-mock/lib/index.js') },
    { find: /^tmp$/, replacement: shim('tmp.ts') },
    { find: /^readline-sync$/, replacement: shim('readline-sync.ts') },
    { find: node('zlib|http|https|fs|fs/promises|os|child_process|vm|worker_threads|module|perf_hooks|v8|tty'), replacement: shim('empty.ts') },
    { find: /^whatwg-url$/, replacement: shim('whatwg-url.ts') },
    { find: /^\.\.\/cli\/style\.ts$/, replacement: shim('style.ts') },
  ];
  return {
    resolve: { alias },
    worker: { format: 'es' as const },
    optimizeDeps: { exclude: ['@electric-sql/pglite'] },
  };
}

const DATABASES: Record<string, string> = { sql: 'PostgreSQL', mongo: 'MongoDB', redis: 'Redis' };

/** The home page's table of lessons, from the lessons themselves. */
function lessonTable(): string {
  const rows = lessons.map(({ id, lesson }) =>
    `| ${String(lesson.number).padStart(2, '0')} | [${lesson.title}](/lessons/${id}) | ${lesson.databases.map((d) => DATABASES[d] ?? d).join(', ')} | ${lesson.summary} |`);
  return ['| # | lesson | databases | what you do |', '|---|---|---|---|', ...rows].join('\n');
}

const sidebar: DefaultTheme.SidebarItem[] = [
  {
    text: 'Start',
    items: [
      { text: 'NoSQL Lab', link: '/' },
    ],
  },
  {
    text: 'Lessons',
    items: lessons.map(({ id, lesson }) => ({ text: `${String(lesson.number).padStart(2, '0')} · ${lesson.title}`, link: `/lessons/${id}` })),
  },
  {
    text: 'Reference',
    items: [
      { text: 'Backends', link: '/backends' },
      { text: 'The MongoDB emulator', link: '/emulator' },
      { text: 'For instructors', link: '/instructors' },
    ],
  },
];

export default defineConfig({
  title: 'NoSQL Lab',
  description: 'An interactive TypeScript course: NoSQL next to SQL with MongoDB, Redis and PostgreSQL.',
  base: process.env.DOCS_BASE ?? '/',
  cleanUrls: true,
  lastUpdated: true,
  srcExclude: ['generated/**', 'README.md'],
  head: [
    ['meta', { name: 'theme-color', content: '#3f7f5f' }],
    ['link', { rel: 'icon', type: 'image/svg+xml', href: `${process.env.DOCS_BASE ?? '/'}favicon.svg` }],
  ],
  themeConfig: {
    nav: [
      { text: 'Lessons', link: lessons[0] ? `/lessons/${lessons[0].id}` : '/' },
      { text: 'Backends', link: '/backends' },
      { text: 'Instructors', link: '/instructors' },
    ],
    sidebar,
    search: { provider: 'local' },
    outline: { level: [2, 3], label: 'On this page' },
    editLink: {
      pattern: `https://github.com/${REPOSITORY}/edit/main/docs/:path`,
      text: 'Edit this page',
    },
    socialLinks: [{ icon: 'github', link: `https://github.com/${REPOSITORY}` }],
    footer: { message: 'Every output on these pages was printed by the code above it.' },
  },
  vite: inPageRuntime(),
  markdown: {
    lineNumbers: false,
    config(md) {
      md.core.ruler.before('normalize', 'nosql-lab-directives', (state) => {
        const page = String((state.env as { relativePath?: string } | undefined)?.relativePath ?? '');
        const id = LESSON_PAGE.exec(page)?.[1];
        const lesson = id ? captured(id) : undefined;
        if (lesson) {
          const missing = missingDirectives(state.src, lesson);
          if (missing.length > 0) {
            throw new DirectiveError(`docs/${page} lacks ${missing.map((d) => `<!-- @${d} -->`).join(', ')}: every lesson page shows its objectives, tasks, hints and notebook.`);
          }
        }
        state.src = state.src.replace(/^<!--\s*@lesson-table\s*-->$/m, lessonTable);
        if (state.src.includes('<!-- @')) state.src = expandDirectives(state.src, lesson, `docs/${page}`);
      });
    },
  },
});
