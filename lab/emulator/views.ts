/**
 * Views (`create` with `viewOn` and `pipeline`): read-only, evaluated on every read as mongod does,
 * by running the view's pipeline on its source (a collection or another view) before the query.
 * Writes to a view fail with 166 CommandNotSupportedOnView.
 */
import type { Document } from 'bson';
import type { Ctx } from './context.ts';
import { Codes, MongoError } from './errors.ts';
import { isPlainObject, type Doc } from './values.ts';

export interface ViewDef {
  viewOn: string;
  pipeline: Doc[];
  collation?: Doc;
}

/** mongod's limit on views defined on views. */
const MAX_VIEW_DEPTH = 20;

export class Views {
  private readonly byDb = new Map<string, Map<string, ViewDef>>();

  get(db: string, name: string): ViewDef | undefined {
    return this.byDb.get(db)?.get(name);
  }

  has(db: string, name: string): boolean {
    return this.get(db, name) !== undefined;
  }

  create(db: string, name: string, def: ViewDef): void {
    let views = this.byDb.get(db);
    if (views === undefined) {
      views = new Map();
      this.byDb.set(db, views);
    }
    views.set(name, def);
  }

  drop(db: string, name: string): boolean {
    return this.byDb.get(db)?.delete(name) ?? false;
  }

  dropDatabase(db: string): void {
    this.byDb.delete(db);
  }

  list(db: string): Array<[string, ViewDef]> {
    return Array.from(this.byDb.get(db) ?? []);
  }

  /** The collection a view finally reads, and the pipeline to run on it (views on views concatenate). */
  resolve(db: string, name: string): { source: string; pipeline: Doc[] } {
    let pipeline: Doc[] = [];
    let current = name;
    for (let depth = 0; depth <= MAX_VIEW_DEPTH; depth++) {
      const def = this.get(db, current);
      if (def === undefined) return { source: current, pipeline };
      pipeline = [...def.pipeline, ...pipeline];
      current = def.viewOn;
    }
    throw new MongoError(Codes.ViewDepthLimitExceeded, `View depth too deep or view cycle detected. Maximum depth is ${MAX_VIEW_DEPTH}`);
  }
}

/** Checks a view definition from `create` as mongod does. */
export function viewDefinition(cmd: Document): ViewDef {
  if (typeof cmd.viewOn !== 'string' || cmd.viewOn.length === 0) {
    throw new MongoError(Codes.TypeMismatch, "BSON field 'create.viewOn' is the wrong type, expected type 'string'");
  }
  const pipeline = cmd.pipeline ?? [];
  if (!Array.isArray(pipeline) || !pipeline.every((s) => isPlainObject(s))) {
    throw new MongoError(Codes.TypeMismatch, "BSON field 'create.pipeline' is the wrong type, expected type 'array'");
  }
  for (const stage of pipeline as Doc[]) {
    const name = Object.keys(stage)[0];
    if (name === '$out' || name === '$merge') throw new MongoError(Codes.OptionNotSupportedOnView, `${name} cannot be used in a view definition`);
  }
  const def: ViewDef = { viewOn: cmd.viewOn, pipeline: pipeline as Doc[] };
  if (isPlainObject(cmd.collation)) def.collation = cmd.collation;
  return def;
}

/** Commands that write or change a collection: on a view they fail with 166, naming the view. */
const WRITES: Record<string, string> = {
  insert: 'insert', update: 'update', delete: 'delete', findAndModify: 'findAndModify', findandmodify: 'findandmodify',
  createIndexes: 'createIndexes', dropIndexes: 'dropIndexes', collStats: 'collStats',
};

export function refuseWriteOnView(canonical: string, cmd: Document, ctx: Ctx): void {
  const field = WRITES[canonical];
  if (field === undefined) return;
  const name = cmd[field];
  if (typeof name === 'string' && ctx.server.views.has(ctx.db, name)) {
    throw new MongoError(Codes.CommandNotSupportedOnView, `Namespace ${ctx.db}.${name} is a view, not a collection`);
  }
}
