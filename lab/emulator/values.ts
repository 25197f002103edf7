/**
 * Helpers over BSON values as the `bson` package decodes them: cloning, canonical keys for
 * equality (used by the _id map and unique indexes), and mongod-style rendering for messages.
 */
import type { Document } from 'bson';
import { copyMarks, registerClone } from './numbers.ts';

export type Doc = Document;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function bsontype(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

/**
 * Deep copy of plain objects, arrays and Dates. BSON value classes (ObjectId, Decimal128, Binary,
 * Long, Timestamp...) are immutable in practice, so they are shared rather than copied.
 */
export function clone<T>(v: T): T {
  if (Array.isArray(v)) {
    const out = v.map((x) => clone(x));
    registerClone(v, out);
    return out as T;
  }
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = clone(v[k]);
    registerClone(v, out);
    return out as T;
  }
  return v;
}

/**
 * A string that is equal for two values exactly when mongod considers them equal for _id and
 * index purposes (numbers compare by value across int/double/long; field order matters in documents).
 */
export function keyOf(v: unknown): string {
  if (v === undefined || v === null) return 'z';
  switch (typeof v) {
    case 'number':
      return `n${Object.is(v, -0) ? 0 : v}`;
    case 'bigint':
      return `n${v.toString()}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
    case 'boolean':
      return v ? 'bt' : 'bf';
    default:
      break;
  }
  if (v instanceof Date) return `d${v.getTime()}`;
  if (v instanceof RegExp) return `r${v.source}/${v.flags}`;
  if (Array.isArray(v)) return `[${v.map(keyOf).join(',')}]`;
  const t = bsontype(v);
  if (t === 'ObjectId') return `o${(v as { toHexString(): string }).toHexString()}`;
  if (t === 'Long' || t === 'Int32' || t === 'Double') return `n${String(v)}`;
  if (t === 'Decimal128') {
    const n = Number(String(v));
    return Number.isFinite(n) && String(n) === String(v) ? `n${n}` : `m${String(v)}`;
  }
  if (t === 'Binary') {
    const b = v as { sub_type: number; buffer: Uint8Array };
    return `x${b.sub_type}:${Buffer.from(b.buffer).toString('hex')}`;
  }
  if (t !== undefined) return `${t}:${JSON.stringify(v)}`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .map((k) => `${JSON.stringify(k)}:${keyOf(o[k])}`)
    .join(',')}}`;
}

/** Renders a value the way mongod prints it in messages like E11000 ... dup key: { email: "a@b.c" }. */
export function render(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(render).join(', ')} ]`;
  const t = bsontype(v);
  if (t === 'ObjectId') return `ObjectId('${(v as { toHexString(): string }).toHexString()}')`;
  if (t !== undefined) return `${t}(${JSON.stringify(String(v))})`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0) return '{}';
  return `{ ${keys.map((k) => `${k}: ${render(o[k])}`).join(', ')} }`;
}

/** Values at a dotted path, descending through arrays the way the query language does. */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const parts = path.split('.');
  const out: unknown[] = [];
  const walk = (v: unknown, i: number): void => {
    if (i === parts.length) {
      out.push(v);
      return;
    }
    if (Array.isArray(v)) {
      const part = parts[i] as string;
      if (/^\d+$/.test(part)) {
        walk(v[Number(part)], i + 1);
        return;
      }
      for (const el of v) if (el !== null && typeof el === 'object' && !Array.isArray(el)) walk(el, i);
      return;
    }
    if (v === null || typeof v !== 'object' || bsontype(v) !== undefined || v instanceof Date) {
      out.push(undefined);
      return;
    }
    walk((v as Record<string, unknown>)[parts[i] as string], i + 1);
  };
  walk(doc, 0);
  return out;
}

/** The single value at a dotted path without array expansion (undefined if missing). */
export function getPath(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Sets a dotted path, creating intermediate objects (used to seed upserted documents). */
export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur: Record<string, unknown> = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const p = parts[i] as string;
    const next = cur[p];
    if (next === null || typeof next !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function isOperatorObject(v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

export { isPlainObject };

/** Ensures _id is the first field, as mongod stores it. */
export function idFirst(doc: Doc): Doc {
  const keys = Object.keys(doc);
  if (keys[0] === '_id' || !('_id' in doc)) return doc;
  const out: Doc = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  copyMarks(doc, out);
  return out;
}

export function toNumber(v: unknown, fallback = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && bsontype(v) !== undefined) {
    const n = Number(String(v));
    return Number.isNaN(n) ? fallback : n;
  }
  return fallback;
}
