/**
 * Documents' wire BSON, made once. Stored documents never change after they are stored, so a
 * document is serialized (with its numbers back in their BSON types, numbers.ts) the first time a
 * reply carries it and never again; cursors measure batches with the same bytes and the reply
 * encoder (wire.ts) copies them into the message instead of serializing the batch.
 */
import { serialize, type Document } from 'bson';
import { sendAsIs, toWire } from './numbers.ts';

const encoded = new WeakMap<object, Uint8Array>();

/** The document's BSON as it goes on the wire, cached while the document lives. */
export function bsonOf(doc: Document): Uint8Array {
  let bytes = encoded.get(doc);
  if (bytes === undefined) {
    bytes = serialize(toWire(doc) as Document);
    encoded.set(doc, bytes);
  }
  return bytes;
}

/** Batches made by cursors -> the wire BSON of each of their documents, in order. */
const batches = new WeakMap<object, Uint8Array[]>();

/**
 * Registers a cursor batch whose documents' bytes are already known: the reply encoder uses them,
 * and toWire() leaves the batch alone (its bytes already carry the BSON number types).
 */
export function encodedBatch(docs: Document[], bytes: Uint8Array[]): Document[] {
  batches.set(docs, bytes);
  sendAsIs(docs);
  return docs;
}

/** The bytes of a batch registered with encodedBatch(), else undefined. */
export function batchBytes(docs: unknown): Uint8Array[] | undefined {
  return docs !== null && typeof docs === 'object' ? batches.get(docs) : undefined;
}
