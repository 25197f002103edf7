/** Unit tests of the emulator's wire-protocol framing (lab/emulator/wire.ts), without sockets. */
import { describe, expect, it } from 'vitest';
import { serialize } from 'bson';
import { OP_MSG, OP_QUERY, ProtocolError, encodeOpMsg, parseMessage, readHeader } from '../../lab/emulator/wire.ts';

function opMsg(sections: Buffer[], flags = 0, checksum = false): Buffer {
  const body = Buffer.concat([Buffer.alloc(4), ...sections, checksum ? Buffer.alloc(4) : Buffer.alloc(0)]);
  body.writeUInt32LE(flags | (checksum ? 1 : 0), 0);
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(7, 4);
  header.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([header, body]);
}

const kind0 = (doc: object): Buffer => Buffer.concat([Buffer.from([0]), Buffer.from(serialize(doc))]);

function kind1(id: string, docs: object[]): Buffer {
  const payload = Buffer.concat([Buffer.from(`${id}\0`), ...docs.map((d) => Buffer.from(serialize(d)))]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + payload.length, 0);
  return Buffer.concat([Buffer.from([1]), size, payload]);
}

describe('engine: wire protocol', () => {
  it('folds kind-1 document sequences into the command as arrays', () => {
    const req = parseMessage(opMsg([kind0({ insert: 'c', $db: 'd' }), kind1('documents', [{ a: 1 }, { a: 2 }])]));
    expect(req.command).toEqual({ insert: 'c', $db: 'd', documents: [{ a: 1 }, { a: 2 }] });
    expect(req.db).toBe('d');
  });

  it('skips the CRC-32C when checksumPresent is set', () => {
    const req = parseMessage(opMsg([kind0({ ping: 1, $db: 'admin' })], 0, true));
    expect(req.command).toEqual({ ping: 1, $db: 'admin' });
  });

  it('parses a legacy OP_QUERY command on db.$cmd', () => {
    const q = Buffer.concat([Buffer.alloc(4), Buffer.from('admin.$cmd\0'), Buffer.alloc(8), Buffer.from(serialize({ ismaster: 1 }))]);
    const header = Buffer.alloc(16);
    header.writeInt32LE(16 + q.length, 0);
    header.writeInt32LE(OP_QUERY, 12);
    const req = parseMessage(Buffer.concat([header, q]));
    expect({ legacy: req.legacy, db: req.db, command: req.command }).toEqual({ legacy: true, db: 'admin', command: { ismaster: 1 } });
  });

  it('rejects garbage BSON, unknown section kinds and unknown opcodes with a ProtocolError', () => {
    const garbage = opMsg([Buffer.from([0, 9, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0])]);
    expect(() => parseMessage(garbage)).toThrow(ProtocolError);
    expect(() => parseMessage(opMsg([Buffer.from([7])]))).toThrow(ProtocolError);
    const unknown = Buffer.alloc(20);
    unknown.writeInt32LE(20, 0);
    unknown.writeInt32LE(9999, 12);
    expect(() => parseMessage(unknown)).toThrow(ProtocolError);
  });

  it('encodes a reply that points back at the request', () => {
    const reply = encodeOpMsg({ ok: 1 }, 5, 7);
    expect(readHeader(reply)).toEqual({ length: reply.length, requestId: 5, responseTo: 7, opCode: OP_MSG });
  });
});
