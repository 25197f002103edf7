/**
 * Runs inside each vitest worker (a `setupFiles` entry). Under `npm run lesson` it records which test
 * is running, synchronously, in the file NOSQL_LAB_RUNNING names: a learner's infinite loop blocks the
 * worker before vitest's batched reports leave it, and this file is then the only witness of where.
 */
import { writeFileSync } from 'node:fs';
import { beforeEach } from 'vitest';

const file = process.env.NOSQL_LAB_RUNNING;

interface Named {
  readonly name: string;
  readonly suite?: Named | undefined;
}

if (file) {
  beforeEach((context) => {
    const path: string[] = [];
    for (let t: Named | undefined = context.task; t; t = t.suite) if (t.name) path.unshift(t.name);
    writeFileSync(file, JSON.stringify({ task: path[0] ?? '', test: path.slice(1).join(' › ') }));
  });
}
