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
