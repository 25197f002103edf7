/**
 * Expands the docs site's lesson directives into Markdown at build time, from the lesson's captured data
 * (`docs/generated/NN-slug.json`), so a page's objectives, tasks, hints, code and outputs come from the
 * lesson itself and cannot drift from what `npm run lesson` shows:
 *
 *   <!-- @objectives -->     the objectives, as a list
 *   <!-- @tasks -->          the tasks with their points, as a table
 *   <!-- @hints 2 -->        task 2's hints, folded one by one
 *   <!-- @notebook -->       every cell: title, prose, code, and the output it printed
 *   <!-- @backends -->       the backends line of the run that captured the outputs
 *
 * Imported by docs/.vitepress/config.ts; it imports only types, so the config can bundle it.
 */
import type { CapturedCell, CapturedLesson } from './captured.ts';

export class DirectiveError extends Error {
  override readonly name = 'DirectiveError';
}

const DIRECTIVE = /^<!--\s*@(\w+)(?:\s+([^>]*?))?\s*-->\s*$/gm;

/** A fence longer than any run of backticks inside `text`. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

function objectives(lesson: CapturedLesson): string {
  return lesson.objectives.map((o) => `- ${o}`).join('\n');
}

function tasks(lesson: CapturedLesson): string {
  const total = lesson.tasks.reduce((sum, t) => sum + t.points, 0);
  const rows = lesson.tasks.map((t, i) => `| ${i + 1} | [${t.title}](#task-${i + 1}) | ${t.points} |`);
  return ['| # | task | points |', '|---|---|---|', ...rows, `| | **total** | **${total}** |`].join('\n');
}

function hints(lesson: CapturedLesson, argument: string | undefined, page: string): string {
  const n = Number(argument);
  const task = Number.isInteger(n) ? lesson.tasks[n - 1] : undefined;
  if (!task) throw new DirectiveError(`${page}: <!-- @hints ${argument ?? ''} --> names no task (lesson ${lesson.id} has ${lesson.tasks.length}).`);
  const folded = task.hints.map((hint, i) => [`::: details Hint ${i + 1} of ${task.hints.length}`, hint, ':::'].join('\n'));
  const points = `${task.points} point${task.points === 1 ? '' : 's'}`;
  return [`<a id="task-${n}"></a>`, `**${points}.** Stuck? Open the hints one at a time, as \`npm run lesson ${lesson.number} -- --hint\` does.`, ...folded].join('\n\n');
}

function cellMarkdown(lesson: CapturedLesson, cell: CapturedCell, index: number): string {
  const parts: string[] = [`<div class="nb-cell" data-cell="${index + 1}">`, '', `### ${index + 1} · ${cell.title} {#cell-${index + 1}}`, ''];
  if (cell.prose) parts.push(cell.prose, '');
  if (cell.lines.length > 0) {
    const first = cell.lines[0]?.n ?? 1;
    const last = cell.lines[cell.lines.length - 1]?.n ?? first;
    const code = cell.lines.map((l) => l.text).join('\n');
    const f = fence(code);
    parts.push(`<div class="nb-source">${lesson.notebook}, lines ${first}–${last}</div>`, '', `${f}ts`, code, f, '');
  }
  for (const item of cell.items) {
    if ('note' in item) {
      parts.push(item.note, '');
    } else {
      const f = fence(item.output);
      parts.push('<div class="nb-output">', '', `${f}text`, item.output, f, '', '</div>', '');
    }
  }
  parts.push('</div>');
  return parts.join('\n');
}

function notebook(lesson: CapturedLesson): string {
  return lesson.cells.map((cell, i) => cellMarkdown(lesson, cell, i)).join('\n\n');
}

/** Replaces every directive in `source`; `page` names the page in errors. */
export function expandDirectives(source: string, lesson: CapturedLesson | undefined, page: string): string {
  return source.replace(DIRECTIVE, (_, name: string, argument: string | undefined) => {
    if (!lesson) throw new DirectiveError(`${page} uses <!-- @${name} --> but has no captured lesson data: run \`npm run docs:outputs\`.`);
    switch (name) {
      case 'objectives':
        return objectives(lesson);
      case 'tasks':
        return tasks(lesson);
      case 'hints':
        return hints(lesson, argument, page);
      case 'notebook':
        return notebook(lesson);
      case 'backends':
        return `Outputs captured with \`npm run docs:outputs\` on: ${lesson.backends}.`;
      default:
        throw new DirectiveError(`${page}: unknown directive <!-- @${name} --> (known: objectives, tasks, hints N, notebook, backends).`);
    }
  });
}

/** Directives every lesson page must carry, so none silently drops its tasks or cells. */
export const REQUIRED_DIRECTIVES = ['objectives', 'tasks', 'notebook'] as const;

export function missingDirectives(source: string, lesson: CapturedLesson): string[] {
  const used = new Set([...source.matchAll(DIRECTIVE)].map((m) => (m[1] === 'hints' ? `hints ${m[2] ?? ''}`.trim() : m[1] ?? '')));
  const wanted = [...REQUIRED_DIRECTIVES, ...lesson.tasks.map((_, i) => `hints ${i + 1}`)];
  return wanted.filter((d) => !used.has(d));
}
