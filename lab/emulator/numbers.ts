/**
 * Keeping BSON's numeric types apart while mingo works on plain JS numbers.
 *
 * mingo needs numbers as JS numbers, but BSON has int32, int64 and double, and the course teaches
 * `$type` and `$jsonSchema bsonType` on them. JS numbers alone lose one fact: a whole-number double
 * (Double(3)) or a small int64 (Long(5)) looks like an int32. So requests are decoded with
 * promoteValues:false, converted to JS numbers here, and those two cases are remembered in a side
 * table (container -> key -> kind). Replies put the types back. Everything else is unambiguous:
 * an integral number in int32 range is an int32, any other number is a double.
 */
import { Double, Long } from 'bson';

export type NumberKind = 'double' | 'long';

/** container -> key (array indices as strings) -> kind of the number stored there. */
const marks = new WeakMap<object, Map<string, NumberKind>>();
/** Containers with marks somewhere below them. */
const deep = new WeakSet<object>();
/** Containers whose marks are complete (came from the wire or from clone), so a clean one can be sent as is. */
const known = new WeakSet<object>();

function bsontype(v: object): string | undefined {
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 && !Object.is(n, -0);
}

export function kindAt(container: unknown, key: string): NumberKind | undefined {
  if (container === null || typeof container !== 'object') return undefined;
  return marks.get(container)?.get(key);
}

export function mark(container: object, key: string, kind: NumberKind): void {
  let m = marks.get(container);
  if (m === undefined) {
    m = new Map();
    marks.set(container, m);
  }
  m.set(key, kind);
}

export function unmark(container: object, key: string): void {
  marks.get(container)?.delete(key);
}

/** Converts a value decoded with promoteValues:false, in place. Returns the converted value. */
export function fromWire(v: unknown): unknown {
  convert(v);
  if (v !== null && typeof v === 'object' && bsontype(v) !== undefined) return scalar(v, undefined, '');
  return v;
}

function scalar(v: object, container: object | undefined, key: string): unknown {
  switch (bsontype(v)) {
    case 'Int32':
      return (v as { value: number }).value;
    case 'Double': {
      const n = (v as { value: number }).value;
      if (container !== undefined && isInt32(n)) mark(container, key, 'double');
      return n;
    }
    case 'Long': {
      const n = (v as Long).toNumber();
      if (!Number.isSafeInteger(n)) return v;
      if (container !== undefined) mark(container, key, 'long');
      return n;
    }
    default:
      return v;
  }
}

/** Returns whether the container holds marks at any depth. */
function convert(v: unknown): boolean {
  if (!isContainer(v)) return false;
  let any = false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const el: unknown = v[i];
      if (el !== null && typeof el === 'object') {
        if (isContainer(el)) any = convert(el) || any;
        else if (bsontype(el) !== undefined) v[i] = scalar(el, v, String(i));
      }
    }
  } else {
    for (const k of Object.keys(v)) {
      const el = v[k];
      if (el !== null && typeof el === 'object') {
        if (isContainer(el)) any = convert(el) || any;
        else if (bsontype(el) !== undefined) v[k] = scalar(el, v, k);
      }
    }
  }
  if (marks.get(v)?.size) any = true;
  known.add(v);
  if (any) deep.add(v);
  return any;
}

/** Copies the marks of `src`'s keys onto `dst` (for objects rebuilt with spread). */
export function copyMarks(src: unknown, dst: object, keys?: Iterable<string>): void {
  if (src === null || typeof src !== 'object') return;
  const m = marks.get(src);
  if (m === undefined) return;
  for (const [k, kind] of m) {
    if (keys !== undefined && ![...keys].includes(k)) continue;
    mark(dst, k, kind);
  }
  if (m.size > 0) deep.add(dst);
}

/** Registers a freshly built container (e.g. a clone) with its marks. */
export function registerClone(src: object, dst: object): void {
  const m = marks.get(src);
  if (m !== undefined && m.size > 0) marks.set(dst, new Map(m));
  if (deep.has(src)) deep.add(dst);
  if (known.has(src)) known.add(dst);
}

/** Containers already in wire form (a cursor batch whose BSON is cached, encoded.ts): toWire() returns them as they are. */
const wireReady = new WeakSet<object>();

export function sendAsIs(container: object): void {
  wireReady.add(container);
}

/** Before serializing a reply: turn marked numbers back into Double/Long. Unmarked data is returned as is. */
export function toWire(v: unknown): unknown {
  if (!isContainer(v)) return v;
  if ((known.has(v) && !deep.has(v)) || wireReady.has(v)) return v;
  const m = marks.get(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const el: unknown = v[i];
      const next = wrap(el, m?.get(String(i)));
      if (next !== el) {
        out ??= v.slice();
        out[i] = next;
      }
    }
    return out ?? v;
  }
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(v)) {
    const el = v[k];
    const next = wrap(el, m?.get(k));
    if (next !== el) {
      out ??= { ...v };
      out[k] = next;
    }
  }
  return out ?? v;
}

function wrap(el: unknown, kind: NumberKind | undefined): unknown {
  if (typeof el === 'number') {
    if (kind === 'double') return new Double(el);
    if (kind === 'long') return Long.fromNumber(el);
    return el;
  }
  return toWire(el);
}

/** BSON type names of a value, given the kind recorded for where it sits. */
export function bsonTypesOf(v: unknown, kind: NumberKind | undefined): string[] {
  if (v === null) return ['null'];
  if (v === undefined) return ['undefined'];
  if (typeof v === 'string') return ['string'];
  if (typeof v === 'boolean') return ['bool'];
  if (typeof v === 'number') {
    if (kind === 'long') return ['long', 'number'];
    if (kind === 'double' || !isInt32(v)) return ['double', 'number'];
    return ['int', 'number'];
  }
  if (typeof v === 'bigint') return ['long', 'number'];
  if (Array.isArray(v)) return ['array'];
  if (v instanceof Date) return ['date'];
  if (v instanceof RegExp) return ['regex'];
  if (typeof v !== 'object') return [typeof v];
  switch (bsontype(v)) {
    case 'ObjectId':
      return ['objectId'];
    case 'Long':
      return ['long', 'number'];
    case 'Int32':
      return ['int', 'number'];
    case 'Double':
      return ['double', 'number'];
    case 'Decimal128':
      return ['decimal', 'number'];
    case 'Binary':
    case 'UUID':
      return ['binData'];
    case 'Timestamp':
      return ['timestamp'];
    case 'BSONRegExp':
      return ['regex'];
    case 'MinKey':
      return ['minKey'];
    case 'MaxKey':
      return ['maxKey'];
    case 'Code':
      return ['javascript'];
    case 'BSONSymbol':
      return ['symbol'];
    case undefined:
      return ['object'];
    default:
      return ['object'];
  }
}

const TYPE_ALIASES: Record<number, string> = {
  1: 'double', 2: 'string', 3: 'object', 4: 'array', 5: 'binData', 6: 'undefined', 7: 'objectId', 8: 'bool',
  9: 'date', 10: 'null', 11: 'regex', 13: 'javascript', 14: 'symbol', 16: 'int', 17: 'timestamp', 18: 'long',
  19: 'decimal', [-1]: 'minKey', 127: 'maxKey',
};

export function typeAlias(t: unknown): string {
  if (typeof t === 'number') return TYPE_ALIASES[t] ?? `#${t}`;
  return String(t);
}

/** Recomputes the bookkeeping of a document whose marks were edited (after an update). */
export function rescan(root: unknown): void {
  convert(root);
}


/**
 * Gives `out` (a projection or an $addFields result built from `source`) the kinds of the numbers
 * it took over unchanged, so Long(5) and Double(2) keep their types through a projection.
 */
export function inheritMarks(out: unknown, source: unknown): void {
  copyKinds(out, source);
  convert(out);
}

function copyKinds(out: unknown, source: unknown): void {
  if (!isContainer(out) || !isContainer(source) || out === source) return;
  const m = marks.get(source);
  const o = out as Record<string, unknown>;
  const s = source as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === 'number') {
      const kind = m?.get(k);
      if (kind !== undefined && v === s[k]) mark(o, k, kind);
    } else copyKinds(v, s[k]);
  }
}
