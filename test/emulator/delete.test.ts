import { beforeEach, describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { type Doc, useMongo, withoutId } from './helpers.ts';

const mongo = useMongo('delete');

// The manual's `inventory` documents for "Delete Documents".
const journal = { item: 'journal', qty: 25, size: { h: 14, w: 21, uom: 'cm' }, status: 'A' };
const notebook = { item: 'notebook', qty: 50, size: { h: 8.5, w: 11, uom: 'in' }, status: 'P' };
const paper = { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'in' }, status: 'D' };
const planner = { item: 'planner', qty: 75, size: { h: 22.85, w: 30, uom: 'cm' }, status: 'D' };
const postcard = { item: 'postcard', qty: 45, size: { h: 10, w: 15.25, uom: 'cm' }, status: 'A' };

let inventory: Collection<Doc>;
beforeEach(async () => {
  inventory = await mongo.seed('inventory', [journal, notebook, paper, planner, postcard]);
});

const remaining = async () => withoutId(await inventory.find({}).sort({ item: 1 }).toArray());

// Manual: "Delete Documents"
describe('Delete Documents', () => {
  it('deletes every document for deleteMany({}) and leaves an empty collection', async () => {
    const result = await inventory.deleteMany({});
    expect(result.deletedCount).toBe(5);
    expect(await remaining()).toEqual([]);
  });

  it('deletes all documents that match a condition with deleteMany ({ status: "A" } deletes two)', async () => {
    const result = await inventory.deleteMany({ status: 'A' });
    expect(result.deletedCount).toBe(2);
    const expected = [notebook, paper, planner];
    expect(await remaining()).toEqual(expected);
  });

  it('deletes only one matching document with deleteOne ({ status: "D" })', async () => {
    const result = await inventory.deleteOne({ status: 'D' });
    expect(result.deletedCount).toBe(1);
    const left = await inventory.countDocuments({ status: 'D' });
    const expected = 1;
    expect(left).toBe(expected);
  });

  it('reports deletedCount 0 when nothing matches', async () => {
    const result = await inventory.deleteMany({ status: 'Z' });
    expect(result.deletedCount).toBe(0);
    expect(await remaining()).toHaveLength(5);
  });

  it('keeps the collection and its indexes after deleteMany({})', async () => {
    await inventory.createIndex({ item: 1 });
    await inventory.deleteMany({});
    const names = (await inventory.listIndexes().toArray()).map((i) => i['name']).sort();
    const expected = ['_id_', 'item_1'];
    expect(names).toEqual(expected);
  });
});

// Manual: "db.collection.findOneAndDelete()"
describe('findOneAndDelete', () => {
  it('deletes the first document in sort order and returns it', async () => {
    const returned = await inventory.findOneAndDelete({ status: 'A' }, { sort: { qty: -1 }, projection: { _id: 0 } });
    const expected = postcard;
    expect(returned).toEqual(expected);
    expect(await remaining()).toEqual([journal, notebook, paper, planner]);
  });

  it('returns null when nothing matches', async () => {
    expect(await inventory.findOneAndDelete({ status: 'Z' })).toBeNull();
  });
});
