import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { useMongo, withoutId } from './helpers.ts';

const mongo = useMongo('arrays');

// Manual: "Query an Array"
describe('Query an Array', () => {
  const journal = { item: 'journal', qty: 25, tags: ['blank', 'red'], dim_cm: [14, 21] };
  const notebook = { item: 'notebook', qty: 50, tags: ['red', 'blank'], dim_cm: [14, 21] };
  const paper = { item: 'paper', qty: 100, tags: ['red', 'blank', 'plain'], dim_cm: [14, 21] };
  const planner = { item: 'planner', qty: 75, tags: ['blank', 'red'], dim_cm: [22.85, 30] };
  const postcard = { item: 'postcard', qty: 45, tags: ['blue'], dim_cm: [10, 15.25] };

  let inventory: Collection;
  beforeAll(async () => {
    inventory = await mongo.seed('inventory_arrays', [journal, notebook, paper, planner, postcard]);
  });
  const find = async (filter: Document) => withoutId(await inventory.find(filter).sort({ item: 1 }).toArray());

  it('matches the exact array, element order included, for { tags: ["red", "blank"] }', async () => {
    const expected = [notebook];
    expect(await find({ tags: ['red', 'blank'] })).toEqual(expected);
  });

  it('matches arrays containing all the elements in any order for $all', async () => {
    const expected = [journal, notebook, paper, planner];
    expect(await find({ tags: { $all: ['red', 'blank'] } })).toEqual(expected);
  });

  it('matches arrays containing the element for { tags: "red" }', async () => {
    const expected = [journal, notebook, paper, planner];
    expect(await find({ tags: 'red' })).toEqual(expected);
  });

  it('matches when at least one element satisfies the operator ({ dim_cm: { $gt: 25 } })', async () => {
    const expected = [planner];
    expect(await find({ dim_cm: { $gt: 25 } })).toEqual(expected);
  });

  it('lets different elements satisfy different conditions without $elemMatch ({ $gt: 15, $lt: 20 })', async () => {
    const expected = [journal, notebook, paper, postcard];
    expect(await find({ dim_cm: { $gt: 15, $lt: 20 } })).toEqual(expected);
  });

  it('requires a single element to satisfy every condition with $elemMatch', async () => {
    const expected = [planner];
    expect(await find({ dim_cm: { $elemMatch: { $gt: 22, $lt: 30 } } })).toEqual(expected);
  });

  it('queries an element by index position ({ "dim_cm.1": { $gt: 25 } })', async () => {
    const expected = [planner];
    expect(await find({ 'dim_cm.1': { $gt: 25 } })).toEqual(expected);
  });

  it('matches arrays by number of elements with $size', async () => {
    const expected = [paper];
    expect(await find({ tags: { $size: 3 } })).toEqual(expected);
  });
});

// Manual: "Query an Array of Embedded Documents"
describe('Query an Array of Embedded Documents', () => {
  const journal = { item: 'journal', instock: [{ warehouse: 'A', qty: 5 }, { warehouse: 'C', qty: 15 }] };
  const notebook = { item: 'notebook', instock: [{ warehouse: 'C', qty: 5 }] };
  const paper = { item: 'paper', instock: [{ warehouse: 'A', qty: 60 }, { warehouse: 'B', qty: 15 }] };
  const planner = { item: 'planner', instock: [{ warehouse: 'A', qty: 40 }, { warehouse: 'B', qty: 5 }] };
  const postcard = { item: 'postcard', instock: [{ warehouse: 'B', qty: 15 }, { warehouse: 'C', qty: 35 }] };

  let inventory: Collection;
  beforeAll(async () => {
    inventory = await mongo.seed('inventory_instock', [journal, notebook, paper, planner, postcard]);
  });
  const find = async (filter: Document) => withoutId(await inventory.find(filter).sort({ item: 1 }).toArray());

  it('matches an element equal to the whole embedded document, field order included', async () => {
    const expected = [journal];
    expect(await find({ instock: { warehouse: 'A', qty: 5 } })).toEqual(expected);
  });

  it('matches nothing when the embedded document fields are in another order', async () => {
    const expected: Document[] = [];
    expect(await find({ instock: { qty: 5, warehouse: 'A' } })).toEqual(expected);
  });

  it('matches when any element has a qty <= 20 ({ "instock.qty": { $lte: 20 } })', async () => {
    const expected = [journal, notebook, paper, planner, postcard];
    expect(await find({ 'instock.qty': { $lte: 20 } })).toEqual(expected);
  });

  it('matches on the element at an index ({ "instock.0.qty": { $lte: 20 } })', async () => {
    const expected = [journal, notebook, postcard];
    expect(await find({ 'instock.0.qty': { $lte: 20 } })).toEqual(expected);
  });

  it('requires one element to meet both conditions with $elemMatch', async () => {
    const expected = [journal];
    expect(await find({ instock: { $elemMatch: { qty: 5, warehouse: 'A' } } })).toEqual(expected);
  });

  it('requires one element in the range with $elemMatch ({ qty: { $gt: 10, $lte: 20 } })', async () => {
    const expected = [journal, paper, postcard];
    expect(await find({ instock: { $elemMatch: { qty: { $gt: 10, $lte: 20 } } } })).toEqual(expected);
  });

  it('lets any combination of elements satisfy a range without $elemMatch', async () => {
    const expected = [journal, paper, planner, postcard];
    expect(await find({ 'instock.qty': { $gt: 10, $lte: 20 } })).toEqual(expected);
  });

  it('lets different elements satisfy each equality without $elemMatch', async () => {
    const expected = [journal, planner];
    expect(await find({ 'instock.qty': 5, 'instock.warehouse': 'A' })).toEqual(expected);
  });
});

// Manual: "Array Update Operators" ($push, $addToSet, $pop, $pull, $pullAll, $, $[], $[<identifier>])
describe('Array Update Operators', () => {
  it('appends a value with $push', async () => {
    const coll = await mongo.seed('push', [{ _id: 1, scores: [44, 78, 38, 80] }]);
    await coll.updateOne({ _id: 1 }, { $push: { scores: 89 } } as Document);
    const expected = { _id: 1, scores: [44, 78, 38, 80, 89] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('appends, sorts and trims with $push + $each + $sort + $slice', async () => {
    const coll = await mongo.seed('push_modifiers', [
      {
        _id: 5,
        quizzes: [
          { wk: 1, score: 10 },
          { wk: 2, score: 8 },
          { wk: 3, score: 5 },
          { wk: 4, score: 6 },
        ],
      },
    ]);
    await coll.updateOne(
      { _id: 5 },
      {
        $push: {
          quizzes: {
            $each: [
              { wk: 5, score: 8 },
              { wk: 6, score: 7 },
              { wk: 7, score: 6 },
            ],
            $sort: { score: -1 },
            $slice: 3,
          },
        },
      } as Document,
    );
    const expected = {
      _id: 5,
      quizzes: [
        { wk: 1, score: 10 },
        { wk: 2, score: 8 },
        { wk: 5, score: 8 },
      ],
    };
    expect(await coll.findOne({ _id: 5 })).toEqual(expected);
  });

  it('creates the array when $push targets a missing field', async () => {
    const coll = await mongo.seed('push_missing', [{ _id: 1 }]);
    await coll.updateOne({ _id: 1 }, { $push: { scores: 89 } } as Document);
    const expected = { _id: 1, scores: [89] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('inserts at a position with $push + $each + $position', async () => {
    const coll = await mongo.seed('push_position', [{ _id: 1, scores: [100] }]);
    await coll.updateOne({ _id: 1 }, { $push: { scores: { $each: [50, 60, 70], $position: 0 } } } as Document);
    const expected = { _id: 1, scores: [50, 60, 70, 100] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('adds a value only if absent with $addToSet, and reports modifiedCount 0 when it is already there', async () => {
    const coll = await mongo.seed('add_to_set', [{ _id: 1, item: 'polarizing_filter', tags: ['electronics', 'camera'] }]);
    const added = await coll.updateOne({ _id: 1 }, { $addToSet: { tags: 'accessories' } });
    const again = await coll.updateOne({ _id: 1 }, { $addToSet: { tags: 'camera' } });
    const expected = { _id: 1, item: 'polarizing_filter', tags: ['electronics', 'camera', 'accessories'] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
    expect({ added: added.modifiedCount, again: again.modifiedCount }).toEqual({ added: 1, again: 0 });
  });

  it('adds each missing value in order with $addToSet + $each', async () => {
    const coll = await mongo.seed('add_to_set_each', [{ _id: 2, item: 'cable', tags: ['electronics', 'supplies'] }]);
    await coll.updateOne({ _id: 2 }, { $addToSet: { tags: { $each: ['camera', 'electronics', 'accessories'] } } });
    const expected = { _id: 2, item: 'cable', tags: ['electronics', 'supplies', 'camera', 'accessories'] };
    expect(await coll.findOne({ _id: 2 })).toEqual(expected);
  });

  it('removes the first element with $pop: -1 and the last with $pop: 1', async () => {
    const coll = await mongo.seed('pop', [{ _id: 1, scores: [8, 9, 10] }]);
    await coll.updateOne({ _id: 1 }, { $pop: { scores: -1 } });
    const afterFirst = await coll.findOne({ _id: 1 });
    await coll.updateOne({ _id: 1 }, { $pop: { scores: 1 } });
    const afterLast = await coll.findOne({ _id: 1 });
    expect({ afterFirst, afterLast }).toEqual({ afterFirst: { _id: 1, scores: [9, 10] }, afterLast: { _id: 1, scores: [9] } });
  });

  it('removes all matching values from several arrays with $pull', async () => {
    const coll = await mongo.seed('pull', [
      { _id: 1, fruits: ['apples', 'pears', 'oranges', 'grapes', 'bananas'], vegetables: ['carrots', 'celery', 'squash', 'carrots'] },
      { _id: 2, fruits: ['plums', 'kiwis', 'oranges', 'bananas', 'apples'], vegetables: ['broccoli', 'zucchini', 'carrots', 'onions'] },
    ]);
    await coll.updateMany({}, { $pull: { fruits: { $in: ['apples', 'oranges'] }, vegetables: 'carrots' } } as Document);
    const expected = [
      { _id: 1, fruits: ['pears', 'grapes', 'bananas'], vegetables: ['celery', 'squash'] },
      { _id: 2, fruits: ['plums', 'kiwis', 'bananas'], vegetables: ['broccoli', 'zucchini', 'onions'] },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('removes elements matching a condition with $pull ({ votes: { $gte: 6 } })', async () => {
    const coll = await mongo.seed('pull_condition', [{ _id: 1, votes: [3, 5, 6, 7, 7, 8] }]);
    await coll.updateOne({ _id: 1 }, { $pull: { votes: { $gte: 6 } } } as Document);
    const expected = { _id: 1, votes: [3, 5] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('removes every listed value with $pullAll', async () => {
    const coll = await mongo.seed('pull_all', [{ _id: 1, scores: [0, 2, 5, 5, 1, 0] }]);
    await coll.updateOne({ _id: 1 }, { $pullAll: { scores: [0, 5] } } as Document);
    const expected = { _id: 1, scores: [2, 1] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('updates the first element matched by the query with the positional $ operator', async () => {
    const coll = await mongo.seed('positional', [
      { _id: 1, grades: [85, 80, 80] },
      { _id: 2, grades: [88, 90, 92] },
      { _id: 3, grades: [85, 100, 90] },
    ]);
    await coll.updateOne({ _id: 1, grades: 80 }, { $set: { 'grades.$': 82 } });
    const expected = [
      { _id: 1, grades: [85, 82, 80] },
      { _id: 2, grades: [88, 90, 92] },
      { _id: 3, grades: [85, 100, 90] },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('updates a field of the matched embedded document with "grades.$.std"', async () => {
    const coll = await mongo.seed('positional_embedded', [
      {
        _id: 4,
        grades: [
          { grade: 80, mean: 75, std: 8 },
          { grade: 85, mean: 90, std: 5 },
          { grade: 85, mean: 85, std: 8 },
        ],
      },
    ]);
    await coll.updateOne({ _id: 4, 'grades.grade': 85 }, { $set: { 'grades.$.std': 6 } });
    const expected = {
      _id: 4,
      grades: [
        { grade: 80, mean: 75, std: 8 },
        { grade: 85, mean: 90, std: 6 },
        { grade: 85, mean: 85, std: 8 },
      ],
    };
    expect(await coll.findOne({ _id: 4 })).toEqual(expected);
  });

  it('sets the matched element to null (instead of removing it) with $unset and "grades.$"', async () => {
    const coll = await mongo.seed('unset_positional', [{ _id: 1, grades: [85, 80, 80] }]);
    await coll.updateOne({ _id: 1, grades: 80 }, { $unset: { 'grades.$': '' } });
    const expected = { _id: 1, grades: [85, null, 80] };
    expect(await coll.findOne({ _id: 1 })).toEqual(expected);
  });

  it('updates every element with the all-positional $[] operator', async () => {
    const coll = await mongo.seed('all_positional', [
      { _id: 1, grades: [85, 82, 80] },
      { _id: 2, grades: [88, 90, 92] },
      { _id: 3, grades: [85, 100, 90] },
    ]);
    await coll.updateMany({}, { $inc: { 'grades.$[]': 10 } });
    const expected = [
      { _id: 1, grades: [95, 92, 90] },
      { _id: 2, grades: [98, 100, 102] },
      { _id: 3, grades: [95, 110, 100] },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('updates only the elements selected by arrayFilters with $[<identifier>]', async () => {
    const coll = await mongo.seed('filtered_positional', [
      { _id: 1, grades: [95, 92, 90] },
      { _id: 2, grades: [98, 100, 102] },
      { _id: 3, grades: [95, 110, 100] },
    ]);
    const result = await coll.updateMany({}, { $set: { 'grades.$[element]': 100 } }, { arrayFilters: [{ element: { $gte: 100 } }] });
    const expected = [
      { _id: 1, grades: [95, 92, 90] },
      { _id: 2, grades: [98, 100, 100] },
      { _id: 3, grades: [95, 100, 100] },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
    expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: 3, modified: 2 });
  });

  it('updates a field of the embedded documents selected by arrayFilters ("grades.$[elem].mean")', async () => {
    const coll = await mongo.seed('filtered_embedded', [
      {
        _id: 1,
        grades: [
          { grade: 80, mean: 75, std: 6 },
          { grade: 85, mean: 90, std: 4 },
          { grade: 85, mean: 85, std: 6 },
        ],
      },
      {
        _id: 2,
        grades: [
          { grade: 90, mean: 75, std: 6 },
          { grade: 87, mean: 90, std: 3 },
          { grade: 85, mean: 85, std: 4 },
        ],
      },
    ]);
    await coll.updateMany({}, { $set: { 'grades.$[elem].mean': 100 } }, { arrayFilters: [{ 'elem.grade': { $gte: 85 } }] });
    const expected = [
      {
        _id: 1,
        grades: [
          { grade: 80, mean: 75, std: 6 },
          { grade: 85, mean: 100, std: 4 },
          { grade: 85, mean: 100, std: 6 },
        ],
      },
      {
        _id: 2,
        grades: [
          { grade: 90, mean: 100, std: 6 },
          { grade: 87, mean: 100, std: 3 },
          { grade: 85, mean: 100, std: 4 },
        ],
      },
    ];
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(expected);
  });
});
