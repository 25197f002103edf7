/**
 * A cell's error as one line, the way the terminal's runner says it: which database said what, with
 * MongoDB's code, PostgreSQL's SQLSTATE and position, and the notebook line of a syntax error.
 */
import { CellSyntaxError } from './transform.ts';

interface Detailed {
  name?: string;
  message?: string;
  code?: unknown;
  codeName?: string;
  position?: string | number;
  severity?: string;
}

/**
 * The cell's own line an error was thrown from, when its stack shows it: the worker compiles a cell
 * with `new AsyncFunction(...)`, whose source starts two lines before the cell's first line.
 */
function cellLine(error: unknown): number | undefined {
  const stack = String((error as { stack?: unknown } | null)?.stack ?? '');
  const m = /<anonymous>:(\d+):\d+/.exec(stack);
  const line = m ? Number(m[1]) - 2 : undefined;
  return line !== undefined && line >= 1 ? line : undefined;
}

export function describeError(error: unknown, firstLine: number): string {
  if (error instanceof CellSyntaxError) {
    const line = error.line === undefined ? '' : ` at line ${firstLine + error.line - 1}`;
    return `The cell did not compile${line}: SyntaxError: ${error.message}`;
  }
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as Detailed;
  const name = e.name && e.name !== 'Error' ? e.name : e.severity ? 'PostgreSQL error' : 'Error';
  const extra: string[] = [];
  if (typeof e.code === 'number') extra.push(`code ${e.code}${e.codeName ? ` ${e.codeName}` : ''}`);
  else if (typeof e.code === 'string' && e.severity) extra.push(`SQLSTATE ${e.code}`);
  if (e.position !== undefined && e.severity) extra.push(`at character ${e.position} of the query`);
  const message = (e.message ?? String(error)).split('\n')[0];
  const line = cellLine(error);
  const where = line === undefined ? '' : ` at line ${firstLine + line - 1}`;
  const hint = name === 'ReferenceError' ? ' — defined in a cell above? Click "Run all above" first.' : '';
  return `The cell stopped${where}: ${name}: ${message}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}${hint}`;
}
