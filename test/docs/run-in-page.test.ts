/// <reference lib="dom" />
/**
 * Every example runs in the page: lesson 01's notebook, cell by cell, in headless Chromium against the
 * in-page databases (the official driver over the emulator, ioredis-mock, PGlite — all in a Web
 * Worker, docs/.vitepress/inpage/). Each cell's output must be what the terminal printed for it
 * (docs/generated/01-sql-vs-nosql.json, ids and times normalised); an edited cell runs the new code;
 * errors read like the terminal's; an endless loop is stopped and the page stays usable.
 * The site is built once by build-site.ts (`npm run test:docs`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { normaliseOutput, type CapturedLesson } from '../../lab/docs/captured.ts';
import { ROOT } from '../../lab/paths.ts';
import { serveStatic, type StaticSite } from './serve.ts';

const DIST = join(ROOT, 'docs', '.vitepress', 'dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LESSON = '01-sql-vs-nosql';
const lesson = JSON.parse(readFileSync(join(ROOT, 'docs', 'generated', `${LESSON}.json`), 'utf8')) as CapturedLesson;

let site: StaticSite;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  site = await serveStatic(DIST);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  await page.goto(`${site.url}/lessons/${LESSON}`, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

const cell = (n: number) => page.locator(`.nb-cell[data-cell="${n}"]`);

/** Clicks `action` on cell `n` and waits for the cell to finish; resolves with what it showed. */
async function click(n: number, action: 'run' | 'above' = 'run'): Promise<{ state: string; output: string; error: string }> {
  const live = cell(n).locator('.nb-live');
  if (action === 'run') await live.evaluate((el) => el.removeAttribute('data-state'));
  await cell(n).locator(`.nb-${action}`).click();
  if (action === 'run') await cell(n).locator('.nb-live[data-state="done"], .nb-live[data-state="failed"]').waitFor({ state: 'attached', timeout: 90_000 });
  else await page.locator('.nb-button:disabled').first().waitFor({ state: 'detached', timeout: 90_000 });
  return live.evaluate((el) => ({
    state: (el as HTMLElement).dataset.state ?? '',
    output: Array.from(el.querySelectorAll('.nb-live-output'), (p) => p.textContent ?? '').join('').replace(/\s+$/, ''),
    error: el.querySelector('.nb-live-error')?.textContent ?? '',
  }));
}

/** Replaces cell `n`'s code in its editor (opening the editor first). */
async function edit(n: number, code: string): Promise<void> {
  if ((await cell(n).locator('.cm-content').count()) === 0) await cell(n).locator('.nb-edit').click();
  const editor = cell(n).locator('.cm-content');
  await editor.waitFor();
  await editor.fill(code);
}

describe(`lesson ${LESSON}, run in the page`, () => {
  it('prints, cell by cell, what the terminal printed', { timeout: 180_000 }, async () => {
    const runnable = lesson.cells.map((c, i) => ({ c, n: i + 1 })).filter(({ c }) => c.lines.length > 0);
    const results: { n: number; state: string; output: string }[] = [];
    for (const { n } of runnable) {
      const r = await click(n);
      results.push({ n, state: r.state, output: normaliseOutput(r.output || r.error) });
    }

    const expected = runnable.map(({ c, n }) => ({
      n,
      state: 'done',
      output: normaliseOutput(c.items.flatMap((item) => ('output' in item ? [item.output] : [])).join('\n')),
    }));
    expect(results).toEqual(expected);
    expect(problems).toEqual([]);
  });

  it('runs a cell as edited, seeing the variables of the cells above', { timeout: 60_000 }, async () => {
    await edit(3, 'const count = await users.countDocuments({ email: alice.email });\nshow({ count, name: alice.name });');
    const result = await click(3);

    const expected = { state: 'done', output: "{ count: 1, name: 'Alice' }", error: '' };
    expect(result).toEqual(expected);
  });

  it('runs Lua in the page: EVAL and a command defined with defineCommand', { timeout: 60_000 }, async () => {
    const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    await edit(4, [
      "await redis.del('page:n');",
      `redis.defineCommand('incrByTwice', { numberOfKeys: 1, lua: "${script}" });`,
      `show({ eval: await redis.eval("${script}", 1, 'page:n', 2), defined: await redis.incrByTwice('page:n', 3) });`,
    ].join('\n'));
    const result = await click(4);

    const expected = { state: 'done', output: '{ eval: 2, defined: 5 }', error: '' };
    expect(result).toEqual(expected);
  });

  it('reports errors the way the terminal does', { timeout: 60_000 }, async () => {
    const cases = [
      { code: "await users.createIndex({ email: 1 }, { unique: true });\nawait users.insertOne({ email: alice.email });", error: /MongoServerError: E11000 duplicate key.*code 11000/ },
      // ioredis-mock, the terminal's offline Redis too, words a wrong-type error its own way (no WRONGTYPE).
      { code: "await redis.set('plain', 'x');\nawait redis.lpush('plain', 'a');", error: /Error: Key plain does not contain a list/ },
      { code: "await sql.query('SELECT nme FROM users');", error: /column "nme" does not exist.*SQLSTATE 42703.*character 8/ },
      { code: 'const a = 1;\nnull.x;', error: new RegExp(`stopped at line ${(lesson.cells[2]?.lines[0]?.n ?? 0) + 1}: TypeError: Cannot read properties of null`) },
      { code: 'const a = 1;\nconst b = ;', error: new RegExp(`did not compile at line ${(lesson.cells[2]?.lines[0]?.n ?? 0) + 1}: SyntaxError`) },
    ];
    const errors: string[] = [];
    for (const { code } of cases) {
      await edit(3, code);
      const r = await click(3);
      errors.push(`${r.state} ${r.error}`);
    }

    cases.forEach(({ error }, i) => expect(errors[i]).toMatch(new RegExp(`^failed .*${error.source}`)));
  });

  it('stops an endless loop with a one-line message, and the page keeps working', { timeout: 90_000 }, async () => {
    await edit(10, 'while (true) {}');
    const stopped = await click(10);
    const again = await click(1);
    // Cell 3 holds edited code by now: bring the page to cell 3's state, which runs cells 1 and 2.
    const above = await click(3, 'above');

    expect(stopped.state).toBe('failed');
    expect(stopped.error).toMatch(/^Stopped after \d+ s: the cell did not finish/);
    expect(stopped.error.split('\n')).toHaveLength(1);
    const expected = normaliseOutput(String((lesson.cells[0]?.items[0] as { output: string }).output));
    expect({ state: again.state, output: normaliseOutput(again.output) }).toEqual({ state: 'done', output: expected });
    expect(above.state).toBe('');
    const sqlRows = await cell(2).locator('.nb-live').evaluate((el) => ({ state: (el as HTMLElement).dataset.state, output: el.querySelector('.nb-live-output')?.textContent?.trimEnd() }));
    expect(sqlRows).toEqual({ state: 'done', output: (lesson.cells[1]?.items[0] as { output: string }).output });
  });
});
