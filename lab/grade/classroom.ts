/**
 * GitHub Classroom autograding for the course: one test per lesson, worth the lesson's points, each
 * running `npm run lesson N -- --check` (which exits 0 only when every task passes and ends with a
 * `Points X/Y` line). `.github/classroom/autograding.json` is committed; the workflow that uses the
 * autograding command grader goes into the learner edition (`npm run release`).
 */
import { lessonId, type Lesson } from '../lesson.ts';

function points(lesson: Lesson): number {
  return lesson.tasks.reduce((n, t) => n + t.points, 0);
}

function name(lesson: Lesson): string {
  return `${String(lesson.number).padStart(2, '0')} · ${lesson.title}`;
}

export function autogradingJson(lessons: readonly Lesson[]): string {
  const tests = lessons.map((lesson) => ({
    name: name(lesson),
    setup: 'npm ci',
    run: `npm run -s lesson ${lesson.number} -- --check`,
    input: '',
    output: '',
    comparison: 'included',
    timeout: 10,
    points: points(lesson),
  }));
  return `${JSON.stringify({ tests }, null, 2)}\n`;
}

export function classroomWorkflow(lessons: readonly Lesson[]): string {
  const id = (lesson: Lesson): string => `lesson-${lessonId(lesson).slice(0, 2)}`;
  const steps = lessons.map((lesson) => `      - name: ${name(lesson)}
        id: ${id(lesson)}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: ${JSON.stringify(name(lesson))}
          setup-command: ''
          command: npm run -s lesson ${lesson.number} -- --check
          timeout: 10
          max-score: ${points(lesson)}`);
  const env = lessons.map((lesson) => `          ${id(lesson).toUpperCase().replace(/-/g, '_')}_RESULTS: \${{ steps.${id(lesson)}.outputs.result }}`);
  return `# GitHub Classroom autograding: one test per lesson, worth the lesson's points.
# Written by \`npm run release\`; the same tests are in .github/classroom/autograding.json.
name: Autograding Tests
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - run: npm ci
${steps.join('\n')}
      - name: Autograding Reporter
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
${env.join('\n')}
        with:
          runners: ${lessons.map(id).join(',')}
`;
}
