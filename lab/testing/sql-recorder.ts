/**
 * Records every statement a learner's code sends through the `Sql` handle, so a test can check how
 * the SQL was written, not only what it did: values must travel as `$1` parameters, never be pasted
 * into the text.
 *
 *   const recorder = recordSql(db.sql);
 *   await ex.saveUserRow(recorder.sql, user);
 *   expect(recorder.statements[0]?.params).toContain(user.name);
 *   recorder.expectParameterised([user.name, user.email]);
 */
import type { Sql, SqlQueryable, SqlResult } from '../backends/types.ts';

export interface RecordedStatement {
  readonly via: 'query' | 'exec';
  readonly text: string;
  readonly params: readonly unknown[];
}

export interface SqlRecorder {
  /** Hand this to the learner's function in place of the real handle. */
  readonly sql: Sql;
  readonly statements: readonly RecordedStatement[];
  /**
   * Throws, showing the statements, when any value in `values` appears inside a statement's text
   * (pasted in) or a statement that mentions none of the values' placeholders carries them nowhere.
   */
  expectParameterised(values: readonly (string | number)[]): void;
}

export class PastedValueError extends Error {
  override readonly name = 'PastedValueError';
}

function recording(target: SqlQueryable, log: RecordedStatement[]): SqlQueryable {
  return {
    query<Row>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>> {
      log.push({ via: 'query', text, params: [...(params ?? [])] });
      return target.query<Row>(text, params);
    },
    exec(text: string): Promise<void> {
      log.push({ via: 'exec', text, params: [] });
      return target.exec(text);
    },
  };
}

export function recordSql(real: Sql): SqlRecorder {
  const statements: RecordedStatement[] = [];
  const base = recording(real, statements);
  const sql: Sql = {
    kind: real.kind,
    query: base.query,
    exec: base.exec,
    transaction: (fn) => real.transaction((tx) => fn(recording(tx, statements))),
    close: () => real.close(),
  };
  return {
    sql,
    statements,
    expectParameterised(values) {
      const shown = statements.map((s, i) => `  ${i + 1}. ${s.via}(${JSON.stringify(s.text)}${s.via === 'query' ? `, ${JSON.stringify(s.params)}` : ''})`).join('\n');
      for (const value of values) {
        const text = String(value);
        if (text.length < 2) continue;
        const pasted = statements.find((s) => s.text.includes(text));
        if (pasted) {
          throw new PastedValueError(`The value ${JSON.stringify(text)} was pasted into the SQL text. Write $1, $2, … in the text and pass the values as the second argument of sql.query.\nStatements sent:\n${shown}`);
        }
        const carried = statements.some((s) => s.params.some((p) => String(p) === text));
        if (!carried) {
          throw new PastedValueError(`The value ${JSON.stringify(text)} was not sent as a parameter of any statement. Pass it in the params array of sql.query.\nStatements sent:\n${shown || '  (none)'}`);
        }
      }
    },
  };
}
