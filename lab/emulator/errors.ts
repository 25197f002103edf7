/**
 * mongod's error vocabulary. Every failure the engine reports is a MongoError, so the command
 * dispatcher can turn it into the `{ ok: 0, errmsg, code, codeName }` shape drivers expect.
 */
import type { Document } from 'bson';

/** The codes the emulator uses, named as in mongod's src/mongo/base/error_codes.yml. */
export const Codes = {
  InternalError: 1,
  Unauthorized: 13,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  InvalidBSON: 22,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  OperationFailed: 96,
  WriteConflict: 112,
  DocumentValidationFailure: 121,
  InvalidPipelineOperator: 168,
  NoSuchTransaction: 251,
  TransactionCommitted: 256,
  OperationNotSupportedInTransaction: 263,
  Location40324: 40324,
  DuplicateKey: 11000,
  MaxTimeMSExpired: 50,
  JSInterpreterFailure: 139,
  ExceededMemoryLimit: 146,
  CommandNotSupportedOnView: 166,
  ViewDepthLimitExceeded: 165,
  OptionNotSupportedOnView: 167,
  QueryExceededMemoryLimitNoDiskUseAllowed: 292,
  Overflow: 15,
  BSONObjectTooLarge: 10334,
  Location17419: 17419,
  Location15955: 15955,
  Location15952: 15952,
  Location40234: 40234,
  Location40235: 40235,
  Location15947: 15947,
  Location40198: 40198,
  ConversionFailure: 241,
  EmptyFieldName: 56,
  Location16702: 16702,
  Location17124: 17124,
  Location16554: 16554,
  Location40081: 40081,
  Location34471: 34471,
  Location40228: 40228,
  Location15956: 15956,
  Location15958: 15958,
  Location15975: 15975,
  Location51272: 51272,
  Location51091: 51091,
  Location31250: 31250,
  Location40066: 40066,
  Location40192: 40192,
  Location40194: 40194,
  ProtocolError: 17,
  UnsupportedOpQueryCommand: 352,
  Location31254: 31254,
  Location31253: 31253,
  Location31252: 31252,
  Location16410: 16410,
  Location40323: 40323,
  Location15976: 15976,
  Location40571: 40571,
  Location40601: 40601,
  Location13113: 13113,
  CannotIndexParallelArrays: 171,
} as const;

const names: Record<number, string> = Object.fromEntries(Object.entries(Codes).map(([k, v]) => [v, k]));

export function codeName(code: number): string {
  const name = names[code];
  // mongod reports codes without a registered name as "Location<code>"; ours follow suit.
  if (name === undefined || name.startsWith('Location')) return `Location${code}`;
  return name;
}

export class MongoError extends Error {
  readonly code: number;
  readonly codeName: string;
  /** Extra reply fields, e.g. keyPattern/keyValue for duplicate keys or errInfo for validation. */
  readonly extra: Document;
  readonly errorLabels: string[];

  constructor(code: number, message: string, extra: Document = {}, errorLabels: string[] = []) {
    super(message);
    this.code = code;
    this.codeName = codeName(code);
    this.extra = extra;
    this.errorLabels = errorLabels;
  }

  /** The command-level error reply. */
  toReply(): Document {
    const reply: Document = { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels;
    return reply;
  }

  /** The entry in a write command's `writeErrors` array. */
  toWriteError(index: number): Document {
    return { index, code: this.code, codeName: this.codeName, errmsg: this.message, ...this.extra };
  }
}

export const NOT_EMULATED_HINT =
  'run this against a real MongoDB instead (unset NOSQL_LAB_MONGO=emulator so mongodb-memory-server is used, or set MONGODB_URI)';

export function commandNotFound(name: string): MongoError {
  return new MongoError(
    Codes.CommandNotFound,
    `no such command: '${name}'. The NoSQL Lab MongoDB emulator does not implement '${name}'; ${NOT_EMULATED_HINT}`,
  );
}

export function notEmulated(what: string): MongoError {
  return new MongoError(
    Codes.CommandNotFound,
    `${what} is not implemented by the NoSQL Lab MongoDB emulator; ${NOT_EMULATED_HINT}`,
  );
}

/** mingo's messages for errors mongod reports with a specific code (and, where useful, mongod's wording). */
const MINGO_MESSAGES: Array<[RegExp, number, string?]> = [
  [/cannot convert .* to /i, Codes.ConversionFailure],
  [/\$concat expression must resolve to array of string/, Codes.Location16702, '$concat only supports strings'],
  [/\$size expression must resolve to/, Codes.Location17124, 'The argument to $size must be an array'],
  [/\$add expression must resolve/, Codes.Location16554, '$add only supports numeric or date types'],
  [/\$in arg2/, Codes.Location40081, '$in requires an array as a second argument'],
  [/\$strLenCP expression must resolve to string/, Codes.Location34471, '$strLenCP requires a string argument'],
  [/\$replaceRoot expression must return an object|newRoot.*object/i, Codes.Location40228, "'newRoot' expression must evaluate to an object"],
  [/\$skip value must be a non-negative integer/, Codes.Location15956, 'invalid argument to $skip stage: Expected a non-negative number'],
  [/Invalid regular expression/, Codes.Location51091],
  [/FieldPath field names may not start with '\$'/, Codes.Location16410],
];

/**
 * Turns an exception thrown by mingo (plain Error/MingoError) into the error mongod would give.
 * mingo's messages name the operator, which lets us pick mongod's code for the common cases.
 */
export function fromMingo(err: unknown, context: 'query' | 'update' | 'aggregate' | 'projection'): MongoError {
  if (err instanceof MongoError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const op = /(\$[A-Za-z_][\w]*)/.exec(msg)?.[1];
  if (op !== undefined && ['$near', '$nearSphere', '$geoWithin', '$geoIntersects', '$text', '$search'].includes(op)) {
    return notEmulated(`The ${op} operator`);
  }
  if (/immutable field '_id'/.test(msg)) return new MongoError(Codes.ImmutableField, msg.replace(/\.$/, ''));
  for (const [pattern, code, text] of MINGO_MESSAGES) if (pattern.test(msg)) return new MongoError(code, text ?? msg);
  if (/unregistered pipeline operator/.test(msg) && op !== undefined) {
    return new MongoError(Codes.Location40324, `Unrecognized pipeline stage name: '${op}'`);
  }
  if (/(accumulator|operator) '?\$\w+'? is not registered/.test(msg) && op !== undefined) {
    return new MongoError(Codes.InvalidPipelineOperator, `Unrecognized expression '${op}'`);
  }
  if (/unknown|unrecognized|unregistered|not supported|invalid operator/i.test(msg) && op !== undefined) {
    if (context === 'query') return new MongoError(Codes.BadValue, `unknown operator: ${op}`);
    if (context === 'update') {
      return new MongoError(
        Codes.FailedToParse,
        `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (/pipeline/i.test(msg)) {
      return new MongoError(Codes.Location40324, `Unrecognized pipeline stage name: '${op}'`);
    }
    return new MongoError(Codes.InvalidPipelineOperator, `Unrecognized expression '${op}'`);
  }
  return new MongoError(Codes.BadValue, msg);
}
