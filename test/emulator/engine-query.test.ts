import { describe, expect, it } from 'vitest';
import { runFind, compileQuery } from '../../lab/emulator/query.ts';
import { fromWire } from '../../lab/emulator/numbers.ts';
import { Double } from 'bson';

describe('engine: mingo bridge', () => {
  it('evaluates expressions in find projections', () => {
    const docs = [{ _id: 1, item: 'journal', size: { h: 14, w: 21, uom: 'cm' } }];
    const out = runFind(docs, { projection: { _id: 0, area: { $concat: [{ $toString: { $multiply: ['$size.h', '$size.w'] } }, ' ', '$size.uom'] } } });
    expect(out).toEqual([{ area: '294 cm' }]);
  });
  it('tells whole-number doubles from ints in $type', () => {
    const d = fromWire({ h: 14, g: new Double(3) });
    expect(compileQuery({ g: { $type: 'double' } }).test(d as never)).toBe(true);
    expect(compileQuery({ h: { $type: 'double' } }).test(d as never)).toBe(false);
  });
});

describe('engine: BSON order and pipeline rewrites', () => {
  it('sorts mixed types in BSON order and arrays by min (asc) / max (desc)', async () => {
    const { sortDocuments } = await import('../../lab/emulator/compare.ts');
    const docs = [{ v: 'a' }, { v: 2 }, { v: null }, { v: true }, { v: { x: 1 } }];
    expect(sortDocuments(docs, { v: 1 }).map((d) => d.v)).toEqual([null, 2, 'a', { x: 1 }, true]);
    const arrays = [{ _id: 1, a: [2, 8] }, { _id: 2, a: [5] }, { _id: 3, a: [1, 3] }];
    expect(sortDocuments(arrays, { a: 1 }).map((d) => d._id)).toEqual([3, 1, 2]);
    expect(sortDocuments(arrays, { a: -1 }).map((d) => d._id)).toEqual([1, 2, 3]);
  });

  it('gives no document for $count over nothing, like mongod', async () => {
    const { runPipeline } = await import('../../lab/emulator/query.ts');
    expect(runPipeline([], [{ $count: 'n' }], () => [])).toEqual([]);
    expect(runPipeline([{ a: 1 }], [{ $count: 'n' }], () => [])).toEqual([{ n: 1 }]);
  });

  it('does not let a projection edit the stored document', () => {
    const stored = { _id: 1, size: { h: 14, uom: 'cm' } };
    runFind([stored], { projection: { 'size.uom': 0 } });
    expect(stored).toEqual({ _id: 1, size: { h: 14, uom: 'cm' } });
  });
});
