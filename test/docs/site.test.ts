/// <reference lib="dom" />
/**
 * The docs site, as a reader meets it: built from a clean state, served as static files, and opened in
 * Debian's Chromium (playwright-core, never a downloaded browser). `npm run test:docs`; CI runs it.
 *
 * For every page, at desktop and phone width: no console error and no failed request, the title as its
 * heading, no sideways scrolling on a phone, a screenshot in test/docs/screenshots/. For lesson pages,
 * every notebook cell shows its code and its output. Then the sidebar, the next link, dark mode and
 * the local search, as a reader would use them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { CapturedLesson } from '../../lab/docs/captured.ts';
import { ROOT } from '../../lab/paths.ts';
import { serveStatic, type StaticSite } from './serve.ts';

const DIST = join(ROOT, 'docs', '.vitepress', 'dist');
const SHOTS = process.env.DOCS_SCREENSHOTS ?? join(ROOT, 'test', 'docs', 'screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const lessonIds = readdirSync(join(ROOT, 'docs', 'lessons')).filter((f) => /^\d\d-.*\.md$/.test(f)).map((f) => f.slice(0, -3)).sort();
const captured = (id: string): CapturedLesson => JSON.parse(readFileSync(join(ROOT, 'docs', 'generated', `${id}.json`), 'utf8')) as CapturedLesson;

/** Every page of the site, by URL path, with the heading it must show. */
const pages: { path: string; name: string; heading: RegExp }[] = [
  { path: '/', name: 'home', heading: /NoSQL Lab/ },
  { path: '/backends', name: 'backends', heading: /Backends/ },
  { path: '/emulator', name: 'emulator', heading: /emulator/i },
  { path: '/instructors', name: 'instructors', heading: /instructors/i },
  ...lessonIds.map((id) => ({ path: `/lessons/${id}`, name: id, heading: new RegExp(captured(id).title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })),
];

/** A search a reader would type, and the lesson it must find (only for lessons that exist). */
const searches = [
  { query: 'ALTER TABLE', lesson: '01-sql-vs-nosql' },
  { query: 'ObjectId', lesson: '02-documents' },
  { query: 'cache-aside', lesson: '08-caching' },
].filter((s) => lessonIds.includes(s.lesson));

const viewports = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let site: StaticSite;
let browser: Browser;

beforeAll(async () => {
  // The site is built once by test/docs/build-site.ts (vitest globalSetup).
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  mkdirSync(SHOTS, { recursive: true });
  site = await serveStatic(DIST);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** Opens `path` and collects what went wrong while it loaded. */
async function open(page: Page, path: string): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' });
  return problems;
}

describe.each(viewports)('every page at $name width', (viewport) => {
  it.each(pages)('$path loads cleanly, shows its heading, fits the screen', async ({ path, name, heading }) => {
    const page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height } });
    try {
      const problems = await open(page, path);
      const title = path === '/' ? await page.locator('.VPHero .name').innerText() : await page.locator('.vp-doc h1').first().innerText();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.screenshot({ path: join(SHOTS, `${name}-${viewport.name}.png`), fullPage: true });

      expect(problems).toEqual([]);
      expect(title).toMatch(heading);
      expect(overflow).toBeLessThanOrEqual(1);
    } finally {
      await page.close();
    }
  });
});

describe.each(lessonIds)('lesson page %s', (id) => {
  it('shows every notebook cell with its code and its output, as the notebook printed them', async () => {
    const lesson = captured(id);
    const page = await browser.newPage();
    try {
      await open(page, `/lessons/${id}`);
      const cells = await page.locator('.nb-cell').evaluateAll((nodes) =>
        nodes.map((node) => ({
          title: (node.querySelector('h3')?.textContent ?? '').replace(/[\u200b#]/g, '').trim(),
          code: node.querySelector('.nb-source + div[class*="language-ts"] code')?.textContent ?? '',
          outputs: Array.from(node.querySelectorAll('.nb-output code'), (c) => c.textContent ?? ''),
        })),
      );

      const expected = lesson.cells.map((cell, i) => ({
        title: `${i + 1} · ${cell.title}`,
        code: cell.lines.map((l) => l.text).join('\n'),
        outputs: cell.items.flatMap((item) => ('output' in item ? [item.output] : [])),
      }));
      expect(cells.map((c) => ({ ...c, code: c.code.trimEnd(), outputs: c.outputs.map((o) => o.trimEnd()) }))).toEqual(expected);
      expect(lesson.cells.some((c) => c.items.some((i) => 'output' in i))).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('lists the objectives and every task with its points and folded hints', async () => {
    const lesson = captured(id);
    const page = await browser.newPage();
    try {
      await open(page, `/lessons/${id}`);
      const text = await page.locator('.vp-doc').innerText();
      const hints = await page.locator('.vp-doc details.details').count();

      for (const objective of lesson.objectives) expect(text).toContain(objective.replace(/`/g, ''));
      for (const task of lesson.tasks) expect(text).toContain(task.title);
      expect(hints).toBeGreaterThanOrEqual(lesson.tasks.reduce((n, t) => n + t.hints.length, 0));
    } finally {
      await page.close();
    }
  });
});

describe('getting around', () => {
  it('follows the sidebar from the first lesson to the backends page', async () => {
    const page = await browser.newPage();
    try {
      await open(page, `/lessons/${lessonIds[0]}`);
      await page.locator('.VPSidebar a', { hasText: 'Backends' }).click();
      await page.waitForURL(/\/backends$/);
      // The site is a single-page app: the new heading arrives a moment after the address.
      await page.locator('.vp-doc h1', { hasText: 'Backends' }).waitFor();
      expect(await page.locator('.vp-doc h1').innerText()).toMatch(/Backends/);
    } finally {
      await page.close();
    }
  });

  it('follows each lesson\'s "Next page" link to the following lesson', async () => {
    const page = await browser.newPage();
    try {
      for (const [i, id] of lessonIds.entries()) {
        await open(page, `/lessons/${id}`);
        const next = page.locator('.VPDocFooter .pager-link.next');
        const expected = lessonIds[i + 1] ? `/lessons/${lessonIds[i + 1]}` : '/backends';
        await next.click();
        await page.waitForURL((url) => url.pathname === expected);
        expect(new URL(page.url()).pathname).toBe(expected);
      }
    } finally {
      await page.close();
    }
  });

  it('switches to dark mode and back', async () => {
    const page = await browser.newPage();
    try {
      await open(page, '/backends');
      const before = await page.evaluate(() => document.documentElement.classList.contains('dark'));
      await page.locator('.VPNavBarAppearance button, .VPSwitchAppearance').first().click();
      const after = await page.evaluate(() => document.documentElement.classList.contains('dark'));
      expect(after).toBe(!before);
    } finally {
      await page.close();
    }
  });

  it('opens the menu on a phone and reaches a lesson from it', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await open(page, '/backends');
      await page.locator('.VPLocalNav .menu').click();
      await page.locator('.VPSidebar a', { hasText: captured(lessonIds[0] ?? '').title }).click();
      await page.waitForURL(/\/lessons\//);
      expect(new URL(page.url()).pathname).toBe(`/lessons/${lessonIds[0]}`);
    } finally {
      await page.close();
    }
  });

  it.each(searches)('search for "$query" finds lesson $lesson', async ({ query, lesson }) => {
    const page = await browser.newPage();
    try {
      await open(page, '/');
      await page.locator('#local-search .DocSearch-Button').click();
      await page.locator('.VPLocalSearchBox input').fill(query);
      const results = page.locator('.VPLocalSearchBox .results a');
      await results.first().waitFor();
      const links = await results.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('href') ?? ''));
      expect(links.some((href) => href.includes(`/lessons/${lesson}`))).toBe(true);
    } finally {
      await page.close();
    }
  });
});
