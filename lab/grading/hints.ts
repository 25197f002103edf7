/**
 * The code in a task's last hint ("Almost there: …") must type-check where the learner would type it.
 * Each code span of that hint that looks like code is placed, in a block of its own, in every function
 * of the lesson's solution file(s), before the function's last statement (usually its closing
 * `return`), so it sees that function's parameters and locals (`rows`, `user`, `db`…) as the
 * learner's code would, narrowing included; it passes when it compiles in at least one of them. One
 * program checks every lesson at once, so a lesson added later is covered without changing this file.
 *
 * Spans that are SQL or Redis commands (they start with an upper-case word), single names, key
 * patterns such as `user:<id>`, and sketches marked with `…` are prose, not code, and are skipped.
 */
import { join } from 'node:path';
import type * as TS from 'typescript';
import { lessonId, type Lesson } from '../lesson.ts';
import { SOLUTIONS_DIR } from '../paths.ts';
import { projectOptions, typescript } from '../checks/types.ts';

export interface HintSpan {
  readonly lesson: string;
  readonly task: string;
  readonly code: string;
}

export interface HintProblem extends HintSpan {
  /** The compiler's messages, from the function where the span came closest to compiling. */
  readonly errors: readonly string[];
}

/** Code spans between backticks in a hint. */
export function codeSpans(hint: string): string[] {
  return [...hint.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '').filter(Boolean);
}

/** Whether a span is TypeScript to check, as opposed to a name, an SQL or Redis command, or a sketch. */
export function looksLikeCode(span: string): boolean {
  const text = span.trim();
  if (text.includes('…')) return false;
  if (/^[A-Z]{2,}\b(?!\.)/.test(text)) return false; // SELECT …, HSET …, ALTER TABLE …, but not BSON.EJSON.parse(…)
  if (/^[\w$.]+$/.test(text)) return false; // a name: `insertOne`, `users.id`
  if (/^[\w-]+:[\w<>${}-]*$/.test(text)) return false; // a key pattern: `user:<id>`, `user:1`
  return /[(=;[]|=>|\?\?|\?\./.test(text);
}

/** The last hint's code spans of every task. */
export function lastHintCode(lessons: readonly Lesson[]): HintSpan[] {
  return lessons.flatMap((lesson) =>
    lesson.tasks.flatMap((task) => {
      const hint = task.hints[task.hints.length - 1] ?? '';
      return codeSpans(hint).filter(looksLikeCode).map((code) => ({ lesson: lessonId(lesson), task: task.title, code }));
    }),
  );
}

interface Placement {
  readonly span: number;
  readonly start: number;
  readonly end: number;
}

/** Checks every span; returns those that compile in none of the solution's functions. */
export function checkHintCode(lessons: readonly Lesson[]): HintProblem[] {
  const ts = typescript();
  const spans = lastHintCode(lessons);
  const problems: HintProblem[] = [];
  const files = new Map<string, string>();
  const placements = new Map<string, Placement[]>();

  const parses = (code: string): string | undefined => {
    const file = ts.createSourceFile('hint.ts', `async function hint() {\n${code}\n}`, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
    const diagnostics = (file as unknown as { parseDiagnostics: TS.Diagnostic[] }).parseDiagnostics ?? [];
    return diagnostics[0] ? ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n') : undefined;
  };

  for (const lesson of lessons) {
    const id = lessonId(lesson);
    const mine = spans.map((s, i) => ({ s, i })).filter(({ s }) => s.lesson === id);
    for (const { s } of mine) {
      const error = parses(s.code);
      if (error) problems.push({ ...s, errors: [`does not parse: ${error}`] });
    }
    const good = mine.filter(({ s }) => !problems.includes(s as HintProblem) && !parses(s.code));
    for (const exercise of lesson.exercises) {
      const path = join(SOLUTIONS_DIR, id, exercise);
      const original = ts.sys.readFile(path);
      if (original === undefined) continue;
      const source = ts.createSourceFile(path, original, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
      // Where the learner types: before a function's last statement (its closing `return`, or a
      // try/catch that returns), where the locals exist. At the end of the body the block would be
      // unreachable, and TypeScript does not narrow there (`value === null ? null : JSON.parse(value)`).
      const places: number[] = [];
      const visit = (node: TS.Node): void => {
        if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.body) {
          const last = node.body.statements[node.body.statements.length - 1];
          places.push(last ? last.getStart(source) : node.body.end - 1);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
      // Every span in every function, each in a block of its own behind a condition TypeScript cannot
      // decide, so a `return` in one span does not make the next unreachable. Inserted from the end
      // of the file backwards, then each block's final offsets are worked out.
      const inserted: Array<{ span: number; at: number; code: string }> = [];
      for (const at of places) {
        for (const { s, i } of good) inserted.push({ span: i, at, code: `\n  if (Date.now()) { // hint\n${s.code}\n  }\n` });
      }
      inserted.sort((a, b) => b.at - a.at || b.span - a.span);
      let text = original;
      for (const piece of inserted) text = text.slice(0, piece.at) + piece.code + text.slice(piece.at);
      const blocks: Placement[] = [];
      let shift = 0;
      for (const piece of [...inserted].reverse()) {
        const start = piece.at + shift;
        blocks.push({ span: piece.span, start, end: start + piece.code.length });
        shift += piece.code.length;
      }
      const virtual = join(SOLUTIONS_DIR, id, `.hints.${exercise}`);
      files.set(virtual, text);
      placements.set(virtual, blocks);
    }
  }

  const options = projectOptions();
  const host = ts.createCompilerHost(options, true);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (path) => files.get(path) ?? read(path);
  host.fileExists = (path) => files.has(path) || exists(path);
  host.getSourceFile = (path, version, ...rest) => {
    const text = files.get(path);
    return text !== undefined ? ts.createSourceFile(path, text, version, true) : getSourceFile(path, version, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host });

  // For each span: the errors in each of its blocks; it passes if one block has none.
  const errorsBySpan = new Map<number, string[][]>();
  for (const [path, places] of placements) {
    const file = program.getSourceFile(path);
    if (!file) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    for (const place of places) {
      const inside = diagnostics.filter((d) => d.start !== undefined && d.start >= place.start && d.start < place.end);
      const list = errorsBySpan.get(place.span) ?? [];
      list.push(inside.map((d) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`));
      errorsBySpan.set(place.span, list);
    }
  }
  for (const [span, tries] of errorsBySpan) {
    if (tries.some((errors) => errors.length === 0)) continue;
    const closest = [...tries].sort((a, b) => a.length - b.length)[0] ?? [];
    const s = spans[span];
    if (s) problems.push({ ...s, errors: closest });
  }
  return problems;
}
