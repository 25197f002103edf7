/**
 * vitest globalSetup for `npm run test:docs`: builds the docs site once from a clean state, for every
 * browser test of the site (site.test.ts, run-in-page.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../../lab/paths.ts';

export default function setup(): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitepress', 'bin', 'vitepress.js'), 'build', 'docs'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run docs:build failed:\n${build.stdout}\n${build.stderr}`);
}
