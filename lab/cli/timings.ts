/**
 * Phase timings of a lesson run, for `bench/lesson-run.ts`: written as JSON to the file named by
 * NOSQL_LAB_TIMINGS, nowhere otherwise. Times are milliseconds since the process started.
 */
import { writeFileSync } from 'node:fs';

const marks: Record<string, number> = {};

export function mark(phase: string): void {
  marks[phase] = performance.now();
}

export function writeTimings(): void {
  const file = process.env.NOSQL_LAB_TIMINGS;
  if (file) writeFileSync(file, JSON.stringify(marks));
}
