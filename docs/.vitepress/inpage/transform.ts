/**
 * A cell's TypeScript as a function the worker can run: sucrase strips the types (keeping line
 * numbers), then every top-level declaration becomes an assignment into the page's shared scope, so
 * a later cell sees the `const`s, functions and classes of the cells run before it, as it does when
 * the terminal runs the whole notebook as one module.
 */
import { transform } from 'sucrase';
import { parse, type Pattern, type Program } from 'acorn';

export class CellSyntaxError extends Error {
  override readonly name = 'SyntaxError';
  constructor(message: string, readonly line: number | undefined) {
    super(message);
  }
}

/** The names a declaration pattern binds (`{ a, b: [c, ...d] } = …` binds a, c, d). */
function names(pattern: Pattern, out: string[]): string[] {
  switch (pattern.type) {
    case 'Identifier': out.push(pattern.name); break;
    case 'ObjectPattern':
      for (const p of pattern.properties) names(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern': for (const e of pattern.elements) if (e) names(e, out); break;
    case 'RestElement': names(pattern.argument, out); break;
    case 'AssignmentPattern': names(pattern.left, out); break;
    default: break;
  }
  return out;
}

export interface CompiledCell {
  /** JavaScript to run inside `with (scope) { … }`. */
  readonly body: string;
  /** Every top-level name the cell declares (set to undefined in the scope before it runs). */
  readonly declared: readonly string[];
}

function position(error: unknown): number | undefined {
  const loc = (error as { loc?: { line?: number } }).loc;
  if (loc?.line) return loc.line;
  const m = /\((\d+):\d+\)/.exec(String((error as Error)?.message));
  return m ? Number(m[1]) : undefined;
}

export function compileCell(source: string): CompiledCell {
  let js: string;
  try {
    js = transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: false }).code;
  } catch (error) {
    throw new CellSyntaxError(String((error as Error).message).replace(/\s*\(\d+:\d+\)$/, ''), position(error));
  }
  let program: Program;
  try {
    program = parse(js, { ecmaVersion: 'latest', sourceType: 'script', allowAwaitOutsideFunction: true, allowReturnOutsideFunction: true });
  } catch (error) {
    throw new CellSyntaxError(String((error as Error).message).replace(/\s*\(\d+:\d+\)$/, ''), position(error));
  }
  const declared: string[] = [];
  const hoisted: string[] = [];
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of program.body) {
    if (statement.type === 'VariableDeclaration') {
      const parts = statement.declarations.map((d) => {
        names(d.id, declared);
        const id = js.slice(d.id.start, d.id.end);
        return `${id} = ${d.init ? js.slice(d.init.start, d.init.end) : 'undefined'}`;
      });
      // Keep the statement's line count: the newlines inside it stay where they were.
      const text = `;(${parts.join(', ')});`;
      const lines = js.slice(statement.start, statement.end).split('\n').length - text.split('\n').length;
      edits.push({ start: statement.start, end: statement.end, text: text + '\n'.repeat(Math.max(0, lines)) });
    } else if (statement.type === 'FunctionDeclaration' && statement.id) {
      declared.push(statement.id.name);
      hoisted.push(`__scope.${statement.id.name} = ${statement.id.name};`);
    } else if (statement.type === 'ClassDeclaration' && statement.id) {
      declared.push(statement.id.name);
      edits.push({ start: statement.start, end: statement.start, text: `${statement.id.name} = ` });
    }
  }
  let body = js;
  for (const e of edits.sort((a, b) => b.start - a.start)) body = body.slice(0, e.start) + e.text + body.slice(e.end);
  // Hoisted on the first line, so line numbers in errors still match the cell's.
  return { body: hoisted.join(' ') + body, declared };
}
