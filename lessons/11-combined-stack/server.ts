/**
 * Lesson 11's HTTP service: the Fastify wiring, given. Each route reads the request, calls one
 * function of the exercise (passed in as `logic`, so tests can hand in yours or the reference) and
 * turns its answer into a status, headers and a JSON body.
 *
 *   const app = await buildApp(stores, logic);
 *   const res = await app.inject({ method: 'GET', url: '/feed' });   // no port: tests do this
 *   await app.listen({ port: 0, host: '127.0.0.1' });                // a real one: the notebook does this
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type * as Exercise from './exercise.ts';
import type { Stores } from './exercise.ts';

/** The functions the routes call: exercise.ts exports them all. */
export type Logic = Pick<typeof Exercise,
  'parseCredentials' | 'logIn' | 'readSession' | 'readProfile' | 'readFeed' | 'postMessage' | 'logOut'>;

export interface AppOptions {
  /** The clock the feed's age is computed with (tests move it forward). */
  now?: () => number;
  /** Add `Secure` to the cookie: do, whenever the service is behind HTTPS. */
  secureCookie?: boolean;
}

export const COOKIE = 'session';
const SESSION_MAX_AGE = 60 * 60;

/** The users table and the messages index; safe to run twice. */
export async function prepareStores(stores: Stores): Promise<void> {
  await stores.sql.exec(`CREATE TABLE IF NOT EXISTS users (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    salt text NOT NULL,
    password_hash text NOT NULL
  )`);
  await stores.mongo.collection('messages').createIndex({ createdAt: -1, _id: -1 });
}

/** The token from `Authorization: Bearer <token>`, else from the `session` cookie; undefined if neither. */
export function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim() || undefined;
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE && value.length > 0) return decodeURIComponent(value.join('=')) || undefined;
  }
  return undefined;
}

const NOT_LOGGED_IN = { error: 'Not logged in, or the session has expired: POST /login again.' };
const WRONG_CREDENTIALS = { error: 'Wrong email or password.' };
const BAD_CREDENTIALS = { error: 'Send JSON {"email": "…", "password": "…"}: two strings.' };

export async function buildApp(stores: Stores, logic: Logic, options: AppOptions = {}): Promise<FastifyInstance> {
  const now = options.now ?? Date.now;
  const app = Fastify({ logger: false });

  app.setErrorHandler((error: Error & { statusCode?: number; validation?: unknown }, _request, reply) => {
    if (error.validation) return reply.code(400).send({ error: `The request is not valid: ${error.message}.` });
    if (error.statusCode !== undefined && error.statusCode < 500) return reply.code(error.statusCode).send({ error: error.message });
    // A TODO left in exercise.ts says so; anything else stays on the server, as it should.
    const said = error.name === 'TodoError' ? error.message : 'Something went wrong on our side. Try again in a moment.';
    return reply.code(500).send({ error: said });
  });

  /** The session of this request, or a 401 already sent. */
  async function session(request: FastifyRequest, reply: FastifyReply): Promise<Exercise.Session | null> {
    const token = tokenOf(request);
    const found = token === undefined ? null : await logic.readSession(stores.redis, token);
    if (found === null) await reply.code(401).send(NOT_LOGGED_IN);
    return found;
  }

  // Step 1: credentials checked in PostgreSQL → a session token in Redis → a cookie and the body.
  app.post('/login', async (request, reply) => {
    const credentials = logic.parseCredentials(request.body);
    if (credentials === null) return reply.code(400).send(BAD_CREDENTIALS);
    const token = await logic.logIn(stores, credentials);
    if (token === null) return reply.code(401).send(WRONG_CREDENTIALS);
    const cookie = `${COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_MAX_AGE}`;
    void reply.header('set-cookie', options.secureCookie ? `${cookie}; Secure` : cookie);
    return { token };
  });

  // Step 2: the session from Redis, the profile from MongoDB.
  app.get('/profile', async (request, reply) => {
    const current = await session(request, reply);
    if (current === null) return reply;
    const profile = await logic.readProfile(stores.mongo, current.userId);
    if (profile === null) return reply.code(404).send({ error: 'This user has no profile yet.' });
    return { userId: current.userId, email: current.email, profile };
  });

  // Step 3: the feed, cache-aside in Redis; the cache's state in the headers.
  app.get('/feed', async (_request, reply) => {
    const feed = await logic.readFeed(stores, now());
    void reply.header('x-cache', feed.cache).header('age', String(feed.ageSeconds));
    return { posts: feed.posts };
  });

  // Step 4: saved in MongoDB, then published on Redis.
  app.post('/messages', {
    schema: { body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 500 } } } },
  }, async (request, reply) => {
    const current = await session(request, reply);
    if (current === null) return reply;
    const { text } = request.body as { text: string };
    let message: Exercise.FeedPost;
    try {
      message = await logic.postMessage(stores, current, text, now());
    } catch (error) {
      if (error instanceof Error && error.name === 'TodoError') throw error;
      return reply.code(503).send({ error: 'The message could not be saved, so it was not sent. Try again.' });
    }
    return reply.code(201).send({ message });
  });

  // Step 5: the session deleted; the cookie too.
  app.post('/logout', async (request, reply) => {
    const token = tokenOf(request);
    if (token !== undefined) await logic.logOut(stores.redis, token);
    return reply.code(204).header('set-cookie', `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`).send();
  });

  await app.ready();
  return app;
}
