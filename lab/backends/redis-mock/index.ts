/**
 * The offline Redis: ioredis-mock plus the commands the lessons use that it lacks or answers
 * differently from Redis 7 (streams and consumer groups, blocking pops, SCRIPT, WRONGTYPE, …).
 * `lab/backends/redis.ts` opens it when REDIS_URL is not set; docs/backends.md lists what it covers.
 */
export { createLabRedisMock, isLabRedisMock, labCommandNames, simulateRestart } from './client.ts';
