/**
 * SLOW (about 60 s): a long-lived client stays healthy. The driver's streaming monitor sends an
 * awaitable `hello` with `exhaustAllowed`; the server must keep answering it with `moreToCome` set,
 * every `maxAwaitTimeMS`, for as long as the client lives (Server Monitoring spec, streaming protocol).
 * A server that answers once without `moreToCome` makes the driver mark it Unknown and clear the pool.
 *
 * Kept in its own file so it can be skipped: `npx vitest run test/emulator --exclude '**\/*-60s*'`.
 */
import { describe, expect, it } from 'vitest';
import { useMongo } from './helpers.ts';

const mongo = useMongo('monitoring60');

describe('Server monitoring over 60 seconds', () => {
  it('reports no heartbeat failure and no pool clear for a client held open 60 s with heartbeatFrequencyMS 2000', async () => {
    const client = await mongo.connect({ heartbeatFrequencyMS: 2000 });
    const failures: string[] = [];
    let awaited = 0;
    client.on('serverHeartbeatFailed', (e) => failures.push(`heartbeat failed: ${String(e.failure)}`));
    client.on('connectionPoolCleared', () => failures.push('connection pool cleared'));
    client.on('serverHeartbeatSucceeded', (e) => {
      if (e.awaited) awaited += 1;
    });
    const coll = client.db(mongo.db().databaseName).collection('held');
    const until = Date.now() + 60_000;
    let writes = 0;
    while (Date.now() < until) {
      await coll.insertOne({ n: writes });
      writes += 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const expected: string[] = [];
    expect(failures).toEqual(expected);
    expect(await coll.countDocuments()).toEqual(writes);
    // The streaming protocol really ran: many awaited heartbeats, about one per 2 s.
    expect(awaited).toBeGreaterThanOrEqual(10);
  }, 90_000);
});
