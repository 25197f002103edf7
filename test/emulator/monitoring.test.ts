/**
 * Server monitoring: the driver's streaming monitor (awaitable `hello` with `topologyVersion`,
 * `maxAwaitTimeMS` and `exhaustAllowed`) gets an answer every `maxAwaitTimeMS`, marked as awaited,
 * and never fails. The 60-second version of this is in monitoring-60s.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { useMongo } from './helpers.ts';

const mongo = useMongo('monitoring');

describe('Server monitoring', () => {
  it('streams awaited heartbeats without a failure when heartbeatFrequencyMS is 500', async () => {
    const client = await mongo.connect({ heartbeatFrequencyMS: 500 });
    const failures: string[] = [];
    let awaited = 0;
    client.on('serverHeartbeatFailed', (e) => failures.push(`heartbeat failed: ${String(e.failure)}`));
    client.on('connectionPoolCleared', () => failures.push('connection pool cleared'));
    const enough = new Promise<void>((resolve) => {
      client.on('serverHeartbeatSucceeded', (e) => {
        if (e.awaited) awaited += 1;
        if (awaited >= 4) resolve();
      });
    });
    await enough;
    await client.db('admin').command({ ping: 1 });
    const expected: string[] = [];
    expect(failures).toEqual(expected);
  });

  it('answers an awaitable hello that carries the server topologyVersion with the same topologyVersion', async () => {
    const hello = await mongo.client().db('admin').command({ hello: 1 });
    const again = await mongo.client().db('admin').command({ hello: 1, topologyVersion: hello['topologyVersion'], maxAwaitTimeMS: 100 });
    expect(again['topologyVersion']).toEqual(hello['topologyVersion']);
    expect(again['isWritablePrimary']).toEqual(true);
  });
});
