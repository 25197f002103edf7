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
