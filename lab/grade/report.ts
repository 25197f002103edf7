/**
 * The reports of one grading run, all from the same grades: a table for the terminal, `grades.csv` for
 * a grade book, `grades.json` for programs, `junit/<learner>.xml` for CI systems, and
 * `feedback/<learner>.md` for the learner.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LearnerGrade, LessonGrade, TaskGrade } from './score.ts';

/** Bumped when a field of grades.json changes meaning or goes away. */
export const REPORT_VERSION = 1;

export interface GradeReport {
  readonly version: typeof REPORT_VERSION;
  readonly gradedAt: string;
  /** The course commit whose tests graded the work. */
  readonly course: { readonly commit: string; readonly lessons: readonly { id: string; title: string; max: number }[] };
  readonly learners: readonly LearnerGrade[];
}

const MARK: Record<TaskGrade['status'], string> = {
  passed: '✓',
  failed: '✗',
  todo: '○',
  timeout: '⏱',
  crashed: '✗',
  missing: '·',
  cheat: '!',
  'not-run': '·',
};

function pad(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/**
 * learner × lesson points with a total, then the failing tasks one line each. A lesson's column holds
 * the learner's points only (its maximum is the `max` row), so twelve lessons fit 80 columns; the
 * names take what room is left, between 7 and 20 characters.
 */
export function terminalTable(report: GradeReport, width = process.stdout.columns || 80): string {
  const lessons = report.course.lessons;
  const cell = Math.max(2, ...lessons.map((l) => String(l.max).length));
  const total = Math.max(5, ...report.learners.map((l) => `${l.points}/${l.max}`.length));
  const lessonsWidth = lessons.length * (cell + 1);
  const room = width - lessonsWidth - total - 5; // the spaces before the total and a flag's " !"
  const nameWidth = Math.max(7, Math.min(20, room, Math.max(7, ...report.learners.map((l) => l.name.length))));
  const line = (name: string, cells: readonly string[], sum: string, flag = ''): string =>
    `${pad(name, nameWidth)}${cells.map((c) => ` ${c.padStart(cell)}`).join('')}  ${sum.padStart(total)}${flag}`.trimEnd();
  const head = line('learner', lessons.map((l) => l.id.slice(0, 2)), 'total');
  const rule = '─'.repeat(Math.min(width, head.length + 2));
  const max = line('max', lessons.map((l) => String(l.max)), String(lessons.reduce((n, l) => n + l.max, 0)));
  const rows = report.learners.map((learner) => {
    const cells = lessons.map((l) => String(learner.lessons.find((g) => g.id === l.id)?.points ?? '–'));
    return line(learner.name, cells, `${learner.points}/${learner.max}`, learner.flags.length > 0 ? ' !' : '');
  });
  const failures = report.learners.flatMap((learner) =>
    learner.lessons.flatMap((lesson) =>
      lesson.tasks
        .filter((t) => t.status !== 'passed')
        .map((t) => pad(`${MARK[t.status]} ${learner.name} ${lesson.id.slice(0, 2)} › ${t.title}: ${t.message ?? t.status}`, width).trimEnd()),
    ),
  );
  const flags = report.learners.flatMap((l) => l.flags.map((f) => pad(`! ${l.name}: ${f.kind} ${f.file} — ${f.detail}`, width).trimEnd()));
  return [head, rule, max, rule, ...rows, rule, ...(failures.length > 0 ? ['', 'Tasks not passed:', ...failures] : []), ...(flags.length > 0 ? ['', 'Flags:', ...flags] : [])].join('\n');
}

function csvField(value: string | number): string {
  const text = String(value);
  // A leading = + - @ would run as a formula in a spreadsheet: learner folder names are not trusted.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csv(report: GradeReport): string {
  const lessons = report.course.lessons;
  const head = ['learner', ...lessons.map((l) => l.id), 'total', 'max', 'flags'];
  const rows = report.learners.map((learner) => [
    learner.name,
    ...lessons.map((l) => learner.lessons.find((g) => g.id === l.id)?.points ?? ''),
    learner.points,
    learner.max,
    learner.flags.map((f) => `${f.kind}:${f.file}`).join(' '),
  ]);
  return `${[head, ...rows].map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}

function xml(text: string): string {
  // XML 1.0 forbids most control characters; learner messages may carry them.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junit(learner: LearnerGrade): string {
  const failed = (l: LessonGrade): number => l.tasks.filter((t) => t.status !== 'passed').length;
  const tests = learner.lessons.reduce((n, l) => n + l.tasks.length, 0);
  const failures = learner.lessons.reduce((n, l) => n + failed(l), 0);
  const suites = learner.lessons.map((lesson) => {
    const cases = lesson.tasks.map((task) => {
      const open = `    <testcase classname="${xml(`${learner.name}.${lesson.id}`)}" name="${xml(task.title)}" time="0">`;
      const points = `      <properties><property name="points" value="${task.points}"/><property name="max" value="${task.max}"/></properties>`;
      if (task.status === 'passed') return `${open}\n${points}\n    </testcase>`;
      return `${open}\n${points}\n      <failure type="${task.status}" message="${xml(task.message ?? task.status)}">${xml(task.hint ? `Hint: ${task.hint}` : '')}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="${xml(lesson.id)}" tests="${lesson.tasks.length}" failures="${failed(lesson)}" errors="0" skipped="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(learner.name)}" tests="${tests}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>\n`;
}

export function feedback(learner: LearnerGrade): string {
  const lines = [`# NoSQL Lab — feedback for ${learner.name}`, '', `**${learner.points} of ${learner.max} points.**`, ''];
  for (const lesson of learner.lessons) {
    lines.push(`## ${lesson.id.slice(0, 2)} · ${lesson.title} — ${lesson.points}/${lesson.max}`, '');
    for (const task of lesson.tasks) {
      lines.push(`- ${task.status === 'passed' ? '✅' : '❌'} **${task.title}** (${task.points}/${task.max})${task.status === 'passed' ? '' : ` — ${task.message ?? task.status}`}`);
      if (task.status !== 'passed' && task.hint) lines.push(`  - Hint: ${task.hint}`);
    }
    lines.push('', `Run \`npm run lesson ${lesson.number}\` to see these checks yourself.`, '');
  }
  if (learner.flags.length > 0) {
    lines.push('## Notes from the grader', '', 'Only your exercise files are graded; these other changes were not used:', '');
    for (const flag of learner.flags) lines.push(`- \`${flag.file}\`: ${flag.detail}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function writeReports(report: GradeReport, out: string): string[] {
  mkdirSync(join(out, 'junit'), { recursive: true });
  mkdirSync(join(out, 'feedback'), { recursive: true });
  const written = [join(out, 'grades.json'), join(out, 'grades.csv')];
  writeFileSync(written[0] ?? '', `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(written[1] ?? '', csv(report));
  for (const learner of report.learners) {
    writeFileSync(join(out, 'junit', `${learner.name}.xml`), junit(learner));
    writeFileSync(join(out, 'feedback', `${learner.name}.md`), feedback(learner));
  }
  return [...written, join(out, 'junit'), join(out, 'feedback')];
}
