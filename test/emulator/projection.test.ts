import { beforeAll, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { type Doc, useMongo } from './helpers.ts';

const mongo = useMongo('projection');

// The manual's `inventory` documents for "Project Fields to Return from Query".
const inventoryDocs = [
  { _id: 1, item: 'journal', status: 'A', size: { h: 14, w: 21, uom: 'cm' }, instock: [{ warehouse: 'A', qty: 5 }] },
  { _id: 2, item: 'notebook', status: 'A', size: { h: 8.5, w: 11, uom: 'in' }, instock: [{ warehouse: 'C', qty: 5 }] },
  { _id: 3, item: 'paper', status: 'D', size: { h: 8.5, w: 11, uom: 'in' }, instock: [{ warehouse: 'A', qty: 60 }] },
  { _id: 4, item: 'planner', status: 'D', size: { h: 22.85, w: 30, uom: 'cm' }, instock: [{ warehouse: 'A', qty: 40 }] },
  {
    _id: 5,
    item: 'postcard',
    status: 'A',
    size: { h: 10, w: 15.25, uom: 'cm' },
    instock: [
      { warehouse: 'B', qty: 15 },
      { warehouse: 'C', qty: 35 },
    ],
  },
];

let inventory: Collection<Doc>;
beforeAll(async () => {
  inventory = await mongo.seed('inventory', inventoryDocs);
});

function project(filter: Document, projection: Document): Promise<Document[]> {
  return inventory.find(filter, { projection }).sort({ _id: 1 }).toArray();
}

// Manual: "Project Fields to Return from Query"
describe('Project Fields to Return from Query', () => {
  it('returns all fields when no projection is given', async () => {
    const expected = inventoryDocs.filter((d) => d.status === 'A');
    expect(await inventory.find({ status: 'A' }).sort({ _id: 1 }).toArray()).toEqual(expected);
  });

  it('returns only the named fields and _id for an inclusion projection', async () => {
    const expected = [
      { _id: 1, item: 'journal', status: 'A' },
      { _id: 2, item: 'notebook', status: 'A' },
      { _id: 5, item: 'postcard', status: 'A' },
    ];
    expect(await project({ status: 'A' }, { item: 1, status: 1 })).toEqual(expected);
  });

  it('suppresses _id when the projection says _id: 0', async () => {
    const expected = [
      { item: 'journal', status: 'A' },
      { item: 'notebook', status: 'A' },
      { item: 'postcard', status: 'A' },
    ];
    expect(await project({ status: 'A' }, { item: 1, status: 1, _id: 0 })).toEqual(expected);
  });

  it('returns every field except the excluded ones for an exclusion projection', async () => {
    const expected = [
      { _id: 1, item: 'journal', size: { h: 14, w: 21, uom: 'cm' } },
      { _id: 2, item: 'notebook', size: { h: 8.5, w: 11, uom: 'in' } },
      { _id: 5, item: 'postcard', size: { h: 10, w: 15.25, uom: 'cm' } },
    ];
    expect(await project({ status: 'A' }, { status: 0, instock: 0 })).toEqual(expected);
  });

  it('returns a single field of an embedded document ({ "size.uom": 1 })', async () => {
    const expected = [
      { _id: 1, item: 'journal', status: 'A', size: { uom: 'cm' } },
      { _id: 2, item: 'notebook', status: 'A', size: { uom: 'in' } },
      { _id: 5, item: 'postcard', status: 'A', size: { uom: 'cm' } },
    ];
    expect(await project({ status: 'A' }, { item: 1, status: 1, 'size.uom': 1 })).toEqual(expected);
  });

  it('removes a single field of an embedded document ({ "size.uom": 0 })', async () => {
    const expected = [
      { _id: 1, item: 'journal', status: 'A', size: { h: 14, w: 21 }, instock: [{ warehouse: 'A', qty: 5 }] },
      { _id: 2, item: 'notebook', status: 'A', size: { h: 8.5, w: 11 }, instock: [{ warehouse: 'C', qty: 5 }] },
      {
        _id: 5,
        item: 'postcard',
        status: 'A',
        size: { h: 10, w: 15.25 },
        instock: [
          { warehouse: 'B', qty: 15 },
          { warehouse: 'C', qty: 35 },
        ],
      },
    ];
    expect(await project({ status: 'A' }, { 'size.uom': 0 })).toEqual(expected);
  });

  it('projects a field inside every element of an array of documents ({ "instock.qty": 1 })', async () => {
    const expected = [
      { _id: 1, item: 'journal', status: 'A', instock: [{ qty: 5 }] },
      { _id: 2, item: 'notebook', status: 'A', instock: [{ qty: 5 }] },
      { _id: 5, item: 'postcard', status: 'A', instock: [{ qty: 15 }, { qty: 35 }] },
    ];
    expect(await project({ status: 'A' }, { item: 1, status: 1, 'instock.qty': 1 })).toEqual(expected);
  });

  it('returns the last array element for { instock: { $slice: -1 } }', async () => {
    const expected = [
      { _id: 1, item: 'journal', status: 'A', instock: [{ warehouse: 'A', qty: 5 }] },
      { _id: 2, item: 'notebook', status: 'A', instock: [{ warehouse: 'C', qty: 5 }] },
      { _id: 5, item: 'postcard', status: 'A', instock: [{ warehouse: 'C', qty: 35 }] },
    ];
    expect(await project({ status: 'A' }, { item: 1, status: 1, instock: { $slice: -1 } })).toEqual(expected);
  });

  it('computes fields with aggregation expressions ($switch, $concat, $toString, $literal)', async () => {
    const expected = [
      { item: 'journal', status: 'Available', area: '294 cm', reportNumber: 1 },
      { item: 'notebook', status: 'Available', area: '93.5 in', reportNumber: 1 },
      { item: 'paper', status: 'Discontinued', area: '93.5 in', reportNumber: 1 },
      { item: 'planner', status: 'Discontinued', area: '685.5 cm', reportNumber: 1 },
      { item: 'postcard', status: 'Available', area: '152.5 cm', reportNumber: 1 },
    ];
    const actual = await project(
      {},
      {
        _id: 0,
        item: 1,
        status: {
          $switch: {
            branches: [
              { case: { $eq: ['$status', 'A'] }, then: 'Available' },
              { case: { $eq: ['$status', 'D'] }, then: 'Discontinued' },
            ],
            default: 'No status found',
          },
        },
        area: { $concat: [{ $toString: { $multiply: ['$size.h', '$size.w'] } }, ' ', '$size.uom'] },
        reportNumber: { $literal: 1 },
      },
    );
    expect(actual).toEqual(expected);
  });
});

// Manual: "$ (projection)" and "$elemMatch (projection)"
describe('Array projection operators', () => {
  it('returns only the first matching array element for the positional "instock.$" projection', async () => {
    const expected = [
      { _id: 2, item: 'notebook', instock: [{ warehouse: 'C', qty: 5 }] },
      { _id: 5, item: 'postcard', instock: [{ warehouse: 'C', qty: 35 }] },
    ];
    expect(await project({ 'instock.warehouse': 'C' }, { item: 1, 'instock.$': 1 })).toEqual(expected);
  });

  it('returns the first element matching $elemMatch, and omits the field when none matches', async () => {
    const expected = [
      { _id: 1 },
      { _id: 2 },
      { _id: 3, instock: [{ warehouse: 'A', qty: 60 }] },
      { _id: 4, instock: [{ warehouse: 'A', qty: 40 }] },
      { _id: 5, instock: [{ warehouse: 'B', qty: 15 }] },
    ];
    expect(await project({}, { instock: { $elemMatch: { qty: { $gt: 10 } } } })).toEqual(expected);
  });

  it('returns a [skip, limit] window of the array, and every other field, for $slice with two numbers', async () => {
    // A projection holding only $slice counts as an exclusion projection: all other fields come back.
    const expected = [
      { _id: 5, item: 'postcard', status: 'A', size: { h: 10, w: 15.25, uom: 'cm' }, instock: [{ warehouse: 'C', qty: 35 }] },
    ];
    expect(await project({ _id: 5 }, { instock: { $slice: [1, 1] } })).toEqual(expected);
  });
});

// Manual: "Projection Restrictions" — inclusion and exclusion cannot be mixed (except for _id)
describe('Projection Restrictions', () => {
  it('rejects a projection that mixes inclusion and exclusion of non-_id fields', async () => {
    const error = await project({}, { item: 1, status: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/exclusion|inclusion/i);
  });
});
