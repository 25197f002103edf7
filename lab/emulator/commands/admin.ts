/** Handshake, server-information and housekeeping commands drivers, mongosh and Compass send. */
import { Long, type Document } from 'bson';
import type { Ctx, Handler } from '../context.ts';
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from '../wire.ts';

export const VERSION = '7.0.0-nosql-lab-emulator';
export const SET_NAME = 'nosql-lab';

export function helloReply(cmd: Document, ctx: Ctx, legacyName: boolean): Document {
  const s = ctx.server;
  const reply: Document = {};
  if (cmd.helloOk === true) reply.helloOk = true;
  if (legacyName) reply.ismaster = true;
  else reply.isWritablePrimary = true;
  Object.assign(reply, {
    topologyVersion: { processId: s.processId, counter: Long.ZERO },
    hosts: [s.me],
    setName: SET_NAME,
    setVersion: 1,
    secondary: false,
    primary: s.me,
    me: s.me,
    electionId: s.processId,
    lastWrite: { lastWriteDate: new Date(), majorityWriteDate: new Date() },
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: ctx.conn.id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  });
  return reply;
}

const buildInfo: Handler = () => ({
  version: VERSION,
  gitVersion: 'nosql-lab',
  versionArray: [7, 0, 0, 0],
  modules: [],
  allocator: 'system',
  javascriptEngine: 'none',
  sysInfo: 'deprecated',
  openssl: { running: 'disabled', compiled: 'disabled' },
  buildEnvironment: { target_os: process.platform, target_arch: process.arch },
  bits: 64,
  debug: false,
  maxBsonObjectSize: MAX_BSON_SIZE,
  storageEngines: ['ephemeralForTest'],
  ok: 1,
});

export const adminCommands: Record<string, Handler> = {
  hello: (cmd, ctx) => helloReply(cmd, ctx, false),
  isMaster: (cmd, ctx) => helloReply(cmd, ctx, true),
  ismaster: (cmd, ctx) => helloReply(cmd, ctx, true),
  ping: () => ({ ok: 1 }),
  buildInfo,
  buildinfo: buildInfo,
  hostInfo: () => ({
    system: { currentTime: new Date(), hostname: '127.0.0.1', cpuAddrSize: 64, numCores: 1, cpuArch: process.arch },
    os: { type: process.platform, name: process.platform, version: '' },
    extra: {},
    ok: 1,
  }),
  getParameter: (cmd) => {
    const all: Document = {
      featureCompatibilityVersion: { version: '7.0' },
      authenticationMechanisms: [],
      transactionLifetimeLimitSeconds: 60,
      cursorTimeoutMillis: Long.fromNumber(600_000),
      ttlMonitorSleepSecs: 1,
    };
    if (cmd.getParameter === '*' || (typeof cmd.getParameter === 'object' && cmd.getParameter !== null && (cmd.getParameter as Document).allParameters === true)) return { ...all, ok: 1 };
    const out: Document = {};
    for (const k of Object.keys(cmd)) if (k in all) out[k] = all[k];
    return { ...out, ok: 1 };
  },
  getLog: (cmd) => (cmd.getLog === '*' ? { names: ['global', 'startupWarnings'], ok: 1 } : { totalLinesWritten: 0, log: [], ok: 1 }),
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 }),
  whatsmyuri: (_cmd, ctx) => ({ you: ctx.conn.remote, ok: 1 }),
  getCmdLineOpts: () => ({ argv: ['mongod', '--nosql-lab-emulator'], parsed: {}, ok: 1 }),
  serverStatus: (_cmd, ctx) => ({
    host: ctx.server.me,
    version: VERSION,
    process: 'mongod',
    pid: Long.fromNumber(process.pid),
    uptime: (Date.now() - ctx.server.startedAt.getTime()) / 1000,
    uptimeMillis: Long.fromNumber(Date.now() - ctx.server.startedAt.getTime()),
    localTime: new Date(),
    connections: { current: 0, available: 1000 },
    storageEngine: { name: 'ephemeralForTest', persistent: false },
    ok: 1,
  }),
  getFreeMonitoringStatus: () => ({ state: 'disabled', ok: 1 }),
  getDefaultRWConcern: () => ({ defaultReadConcern: { level: 'local' }, defaultWriteConcern: { w: 1, wtimeout: 0 }, ok: 1 }),
  logout: () => ({ ok: 1 }),
  features: () => ({ ok: 1 }),
  replSetGetStatus: (_cmd, ctx) => ({
    set: SET_NAME,
    date: new Date(),
    myState: 1,
    members: [{ _id: 0, name: ctx.server.me, health: 1, state: 1, stateStr: 'PRIMARY', self: true }],
    ok: 1,
  }),
};

export const listCommandsNames = (names: string[]): Document => {
  const commands: Document = {};
  for (const n of names.sort()) commands[n] = { help: '', requiresAuth: false, secondaryOk: true, adminOnly: false };
  return { commands, ok: 1 };
};
