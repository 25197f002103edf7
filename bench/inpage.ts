/**
 * The in-page runtime's budget, measured in headless Chromium on the built site (run
 * `npm run docs:build` first): `npm run bench:inpage`.
 *
 * Prints what lesson 01's page downloads before any SQL cell (bytes, and gzip -6 of each body, as a
 * static host compresses them), how long after the page loaded the first MongoDB/Redis cell showed
 * its result, and what running the first SQL cell adds (PGlite).
 */
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ROOT } from '../lab/paths.ts';
import { serveStatic } from '../test/docs/serve.ts';

const DIST = join(ROOT, 'docs', '.vitepress', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Transfer { url: string; raw: number; gz: number }

function track(page: Page): Transfer[] {
  const seen: Transfer[] = [];
  page.on('response', (response) => {
    void response.body().then((body) => {
      seen.push({ url: response.url(), raw: body.length, gz: gzipSync(body, { level: 6 }).length });
    }, () => undefined);
  });
  return seen;
}

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;
const sum = (list: Transfer[], key: 'raw' | 'gz'): number => list.reduce((s, t) => s + t[key], 0);

/** Clicks Run on cell `n` and resolves with the ms from navigation start to its finished output. */
async function runCell(page: Page, n: number): Promise<{ at: number; ms: number; state: string }> {
  const cell = page.locator(`.nb-cell[data-cell="${n}"]`);
  await cell.locator('.nb-run').click();
  await cell.locator('.nb-live[data-state="done"], .nb-live[data-state="failed"]').waitFor({ timeout: 60_000 });
  return page.evaluate((k) => {
    const live = document.querySelector(`.nb-cell[data-cell="${k}"] .nb-live`) as HTMLElement;
    return { at: performance.now(), ms: Number(live.dataset.ms), state: live.dataset.state ?? '' };
  }, n);
}

async function main(): Promise<void> {
  const site = await serveStatic(DIST);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const transfers = track(page);
    const t0 = Date.now();
    await page.goto(`${site.url}/lessons/01-sql-vs-nosql`, { waitUntil: 'load' });
    const loaded = await page.evaluate(() => performance.timing.loadEventEnd - performance.timing.navigationStart);
    const first = await runCell(page, 1);
    const mongo = await runCell(page, 3);
    const redis = await runCell(page, 4);
    await page.waitForTimeout(500);
    const before = [...transfers];
    const sql = await runCell(page, 2);
    await page.waitForTimeout(500);
    const pglite = transfers.slice(before.length);
    const lines = [
      `lesson 01 page load event: ${loaded} ms after navigation (wall ${Date.now() - t0} ms total for this run)`,
      `before any SQL cell: ${before.length} responses, ${kb(sum(before, 'raw'))} raw, ${kb(sum(before, 'gz'))} gzip`,
      ...before.sort((a, b) => b.gz - a.gz).slice(0, 8).map((t) => `    ${kb(t.gz).padStart(8)} gz ${kb(t.raw).padStart(8)} raw  ${t.url.replace(site.url, '')}`),
      `cell 1 (backends(), show) done ${(first.at - loaded).toFixed(0)} ms after the load event (${first.state}, ${first.ms} ms in the worker)`,
      `cell 3 (MongoDB insertMany + find) ${mongo.ms} ms in the worker (${mongo.state}); done ${(mongo.at - loaded).toFixed(0)} ms after load`,
      `cell 4 (Redis hashes) ${redis.ms} ms in the worker (${redis.state})`,
      `cell 2 (first SQL: loads PGlite) ${sql.ms} ms in the worker (${sql.state}); PGlite download ${pglite.length} responses, ${kb(sum(pglite, 'raw'))} raw, ${kb(sum(pglite, 'gz'))} gzip`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await browser.close();
    await site.close();
  }
}

await main();
