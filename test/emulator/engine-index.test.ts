/**
 * Engine tests (emulator only, no driver): the ordered index structure against a brute-force
 * model, and the planner's answers against a plain filter, over seeded random data and writes.
 */
import { describe, expect, it } from 'vitest';
import { IndexTree, type Entry } from '../../lab/emulator/btree.ts';
import { bsonCompare } from '../../lab/emulator/compare.ts';
import { choosePlan, runPlan, runPlanAsync } from '../../lab/emulator/planner.ts';
import { OpGuard } from '../../lab/emulator/guard.ts';
import { compileQuery } from '../../lab/emulator/query.ts';
import { Store } from '../../lab/emulator/store.ts';
import { keyOf } from '../../lab/emulator/values.ts';

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('engine: IndexTree', () => {
  it('scans every range forwards and backwards exactly as a sorted model does, through inserts and deletes', () => {
    const random = rng(7);
    const dirs = [1, -1];
    const tree = new IndexTree(dirs);
    const model: Entry[] = [];
    const cmp = (a: Entry, b: Entry): number => tree.compare(a, b);
    for (let step = 0; step < 3000; step++) {
      if (model.length > 0 && random() < 0.3) {
        const victim = model.splice(Math.floor(random() * model.length), 1)[0] as Entry;
        expect(tree.delete(victim)).toBe(true);
      } else {
        const e: Entry = { key: [Math.floor(random() * 50), Math.floor(random() * 20)], id: `r${step}` };
        tree.insert(e);
        model.push(e);
      }
    }
    model.sort(cmp);
    expect([...tree.entries()].map((e) => e.id)).toEqual(model.map((e) => e.id));
    for (let q = 0; q < 200; q++) {
      const lo = Math.floor(random() * 55) - 2;
      const hi = lo + Math.floor(random() * 20);
      const loInc = random() < 0.5;
      const hiInc = random() < 0.5;
      const backward = random() < 0.5;
      const inRange = (e: Entry): boolean => {
        const a = bsonCompare(e.key[0], lo);
        const b = bsonCompare(e.key[0], hi);
        return (loInc ? a >= 0 : a > 0) && (hiInc ? b <= 0 : b < 0);
      };
      const expected = model.filter(inRange).map((e) => e.id);
      if (backward) expected.reverse();
      const got: string[] = [];
      tree.scan([lo], loInc, [hi], hiInc, backward, (e) => {
        got.push(e.id);
        return true;
      });
      expect({ lo, hi, loInc, hiInc, backward, got }).toEqual({ lo, hi, loInc, hiInc, backward, got: expected });
    }
  });

  it('resumes a paused range() after writes: every entry that stayed is handed out once, in order', () => {
    const random = rng(11);
    for (const backward of [false, true]) {
      const tree = new IndexTree([1]);
      const all: Entry[] = Array.from({ length: 4000 }, (_, i) => ({ key: [Math.floor(random() * 500)], id: `r${i}` }));
      tree.build([...all]);
      const removed = new Set<string>();
      const got: Entry[] = [];
      let step = 0;
      for (const e of tree.range([100], true, [400], false, backward)) {
        got.push(e);
        // While "paused" between entries: inserts (outside the range, so the answer is known) and
        // deletes of entries not handed out yet, enough to split and empty chunks.
        if (++step % 7 === 0) {
          for (let j = 0; j < 40; j++) tree.insert({ key: [random() < 0.5 ? 50 : 450], id: `n${step}-${j}` });
          const victim = all[Math.floor(random() * all.length)] as Entry;
          if (!got.includes(victim) && tree.delete(victim)) removed.add(victim.id);
        }
      }
      const expected = all
        .filter((e) => (e.key[0] as number) >= 100 && (e.key[0] as number) < 400 && !removed.has(e.id))
        .sort((a, b) => tree.compare(a, b))
        .map((e) => e.id);
      if (backward) expected.reverse();
      expect(got.map((e) => e.id)).toEqual(expected);
    }
  });
});

describe('engine: planner', () => {
  it('answers through indexes exactly what a filter over every document answers, after random writes (runPlan and runPlanAsync)', async () => {
    const random = rng(11);
    const store = new Store();
    const coll = store.getOrCreate('t', 'c');
    coll.addIndex({ v: 2, key: { a: 1 }, name: 'a_1' });
    coll.addIndex({ v: 2, key: { b: 1, a: -1 }, name: 'b_1_a_-1' });
    coll.addIndex({ v: 2, key: { tags: 1 }, name: 'tags_1' });
    coll.addIndex({ v: 2, key: { s: 1 }, name: 's_1' });
    coll.addIndex({ v: 2, key: { 'items.k': 1 }, name: 'items.k_1' });
    const words = ['apple', 'apricot', 'banana', 'blueberry', 'cherry', 'Apple'];
    const make = (id: number): Record<string, unknown> => {
      const doc: Record<string, unknown> = { _id: id, a: Math.floor(random() * 30), b: ['x', 'y', 'z'][Math.floor(random() * 3)] };
      if (random() < 0.7) doc.tags = Array.from({ length: Math.floor(random() * 4) }, () => Math.floor(random() * 8));
      if (random() < 0.8) doc.s = words[Math.floor(random() * words.length)];
      if (random() < 0.1) doc.a = random() < 0.5 ? null : 'thirty';
      if (random() < 0.6) doc.items = Array.from({ length: Math.floor(random() * 3) }, () => (random() < 0.8 ? { k: Math.floor(random() * 5), q: Math.floor(random() * 5) } : { q: 1 }));
      return doc;
    };
    for (let i = 0; i < 400; i++) store.insert(coll, make(i));
    for (let i = 0; i < 300; i++) {
      const id = Math.floor(random() * 450);
      const k = keyOf(id);
      if (random() < 0.3) store.remove(coll, k);
      else if (coll.docs.has(k)) store.replace(coll, k, make(id));
      else store.insert(coll, make(id));
    }
    const filters = [
      { a: 7 },
      { a: { $gte: 10, $lt: 20 } },
      { a: { $in: [1, 2, 3, null] } },
      { a: null },
      { b: 'y', a: { $gt: 15 } },
      { b: { $in: ['x', 'z'] }, a: { $lte: 5 } },
      { tags: 3 },
      { tags: { $gt: 2, $lt: 5 } },
      { tags: { $all: [1, 2] } },
      { tags: [] },
      { s: /^ap/ },
      { s: /rr/ },
      { s: /^a/i },
      { s: { $regex: '^b', $options: '' } },
      { _id: { $gte: 100, $lt: 120 } },
      { $or: [{ a: 7 }, { b: 'y', a: { $gt: 25 } }] },
      { $or: [{ a: { $lt: 3 } }, { tags: 3 }, { s: /^ch/ }] },
      { $or: [{ a: 7 }, { a: { $gte: 5, $lte: 9 } }, { _id: 5 }] },
      { s: /an/, $or: [{ tags: { $gt: 5 } }, { b: 'x' }] },
      { a: { $ne: 7 } },
      { a: { $ne: null }, s: { $ne: 'apple' } },
      { tags: { $ne: 3 } },
      { tags: { $elemMatch: { $gt: 2, $lt: 5 } } },
      { items: { $elemMatch: { k: 2, q: { $gte: 3 } } } },
      { items: { $elemMatch: { k: null } } },
      { items: { $elemMatch: { k: { $ne: 1 } } } },
    ];
    for (const filter of filters) {
      const q = compileQuery(filter);
      const expected = [...coll.docs.values()].filter((d) => q.test(d)).map((d) => d._id as number).sort((x, y) => x - y);
      const plan = choosePlan(coll, { filter });
      const got = runPlan(coll, plan, filter, undefined).found.map(([, d]) => d._id as number).sort((x, y) => x - y);
      const kind = '$or' in filter ? 'OR' : 'IXSCAN';
      expect({ filter: JSON.stringify(filter), plan: plan.kind, got }).toEqual({ filter: JSON.stringify(filter), plan: kind, got: expected });
      const yielded = (await runPlanAsync(coll, plan, filter, { guard: new OpGuard() })).found.map(([, d]) => d._id as number).sort((x, y) => x - y);
      expect({ filter: JSON.stringify(filter), yielded }).toEqual({ filter: JSON.stringify(filter), yielded: expected });
    }
  });
});
