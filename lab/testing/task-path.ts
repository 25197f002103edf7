/**
 * A vitest test's place in its file, from the outermost `describe` in: lesson tests name the task in
 * their first `describe`. One walk for the check runner's record, the grader's and the seeded data.
 */
export interface NamedTask {
  readonly name: string;
  readonly suite?: NamedTask | undefined;
}

/** The names from the outermost describe to the test itself. */
export function taskPath(task: NamedTask): string[] {
  const path: string[] = [];
  for (let t: NamedTask | undefined = task; t; t = t.suite) if (t.name) path.unshift(t.name);
  return path;
}

/** `{ task: 'Save a user as a row', test: 'inner describe › it' }`. */
export function taskAndTest(task: NamedTask): { task: string; test: string } {
  const path = taskPath(task);
  return { task: path[0] ?? '', test: path.slice(1).join(' › ') };
}
