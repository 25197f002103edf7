import { beforeAll, describe, expect, it } from 'vitest';
import { Double, Int32 } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import { type Doc, rejection, useMongo } from './helpers.ts';

const mongo = useMongo('validation');

// The manual's `students` validator ("Specify JSON Schema Validation").
const studentSchema = {
  bsonType: 'object',
  title: 'Student Object Validation',
  required: ['address', 'major', 'name', 'year'],
  properties: {
    name: { bsonType: 'string', description: "'name' must be a string and is required" },
    year: {
      bsonType: 'int',
      minimum: 2017,
      maximum: 3017,
      description: "'year' must be an integer in [ 2017, 3017 ] and is required",
    },
    gpa: { bsonType: ['double'], description: "'gpa' must be a double if the field exists" },
  },
};

const alice = {
  name: 'Alice',
  year: new Int32(2019),
  major: 'History',
  address: { city: 'NYC', street: '33rd Street' },
};

let students: Collection<Doc>;
beforeAll(async () => {
  students = await mongo.db().createCollection('students', { validator: { $jsonSchema: studentSchema } });
});

// Manual: "Specify JSON Schema Validation"
describe('Specify JSON Schema Validation', () => {
  it('rejects gpa: Int32(3) with code 121 because the schema wants a double, and explains why in errInfo', async () => {
    const error = await rejection(students.insertOne({ _id: 'alice-int' as never, ...alice, gpa: new Int32(3) }));

    expect(error.code).toBe(121);
    expect(error.errmsg ?? error.message).toMatch(/Document failed validation/);
    const errInfo = error.errInfo as Document;
    expect(errInfo['failingDocumentId']).toBe('alice-int');
    expect(errInfo['details']).toMatchObject({
      operatorName: '$jsonSchema',
      title: 'Student Object Validation',
      schemaRulesNotSatisfied: [{ operatorName: 'properties', propertiesNotSatisfied: [{ propertyName: 'gpa' }] }],
    });
    expect(await students.countDocuments({ _id: 'alice-int' as never })).toBe(0);
  });

  it('accepts the same student with gpa: Double(3.0)', async () => {
    await students.insertOne({ _id: 'alice-double', ...alice, gpa: new Double(3.0) } as never);
    const expected = {
      _id: 'alice-double',
      name: 'Alice',
      year: 2019,
      major: 'History',
      address: { city: 'NYC', street: '33rd Street' },
      gpa: 3,
    };
    expect(await students.findOne({ _id: 'alice-double' as never })).toEqual(expected);
  });

  it('rejects a document missing a required field', async () => {
    const error = await rejection(students.insertOne({ name: 'Bob', year: 2020 }));
    expect(error.code).toBe(121);
    expect((error.errInfo as Document)['details']).toMatchObject({
      schemaRulesNotSatisfied: [{ operatorName: 'required', missingProperties: ['address', 'major'] }],
    });
  });

  it('rejects a year outside [2017, 3017]', async () => {
    const error = await rejection(students.insertOne({ ...alice, year: new Int32(2000) }));
    expect(error.code).toBe(121);
  });

  it('validates updates too, leaving the document unchanged', async () => {
    await students.insertOne({ _id: 'carol', ...alice, name: 'Carol' } as never);
    const error = await rejection(students.updateOne({ _id: 'carol' as never }, { $set: { name: 42 } }));
    expect(error.code).toBe(121);
    expect((await students.findOne({ _id: 'carol' as never }))?.['name']).toBe('Carol');
  });

  it('skips validation when the write sets bypassDocumentValidation', async () => {
    await students.insertOne({ _id: 'bypass', name: 'No schema' } as never, { bypassDocumentValidation: true });
    expect(await students.countDocuments({ _id: 'bypass' as never })).toBe(1);
  });

  it('shows the validator in listCollections options', async () => {
    const [info] = await mongo.db().listCollections({ name: 'students' }).toArray();
    const expected = { $jsonSchema: studentSchema };
    expect((info as Document | undefined)?.['options']?.['validator']).toEqual(expected);
  });
});

// Manual: "Specify Validation With Query Operators" and "Choose How to Handle Invalid Documents"
describe('Validation with query operators and validationAction', () => {
  it('checks an $expr validator (totalWithVAT must equal total × (1 + VAT))', async () => {
    const orders = await mongo.db().createCollection('orders', {
      validator: { $expr: { $eq: ['$totalWithVAT', { $multiply: ['$total', { $sum: [1, '$VAT'] }] }] } },
    });

    await orders.insertOne({ total: 100, VAT: 0.25, totalWithVAT: 125 });
    const error = await rejection(orders.insertOne({ total: 100, VAT: 0.25, totalWithVAT: 124 }));

    expect(error.code).toBe(121);
    expect(await orders.countDocuments()).toBe(1);
  });

  it('accepts an invalid document (and only logs it) when validationAction is "warn"', async () => {
    const contacts = await mongo.db().createCollection('contacts_warn', {
      validator: { $jsonSchema: { bsonType: 'object', required: ['phone'] } },
      validationAction: 'warn',
    });

    await contacts.insertOne({ name: 'Amanda' });

    expect(await contacts.countDocuments()).toBe(1);
  });
});
