/**
 * Seeded test data, so that a hard-coded answer fails and a failing run can be repeated.
 *
 *   const rnd = useRandom();              // once, at the top of a test file
 *   it('…', async () => {
 *     const user = rnd.user();            // different on every run, the same for a given seed
 *     const n = rnd.int(3, 9);
 *   });
 *
 * Each test gets its own stream, derived from the run's seed and the test's full name, so adding a
 * test never changes another's data. The run's seed comes from NOSQL_LAB_SEED (to repeat a run) or is
 * drawn at random; when a test fails, its failure message ends with the line that repeats it.
 */
import { beforeEach } from 'vitest';
import { taskPath, type NamedTask } from './task-path.ts';

/** Environment variable that fixes the seed of a test run. */
export const SEED_VARIABLE = 'NOSQL_LAB_SEED';

/** mulberry32: small, fast, good enough for test data (not for secrets: use node:crypto there). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, to turn a test's name into a number to mix into the seed. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const FIRST = ['Alice', 'Bob', 'Chidi', 'Dagny', 'Eun-ji', 'Farah', 'Gustavo', 'Hana', 'Ines', 'Jonas',
  'Kofi', 'Lena', 'Mateo', 'Nadia', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomás', 'Uma', 'Viktor',
  'Wen', 'Ximena', 'Yusuf', 'Zoë'] as const;
const LAST = ['Abara', 'Bianchi', 'Chen', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Haddad', 'Ivanova',
  'Jensen', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', "O'Brien", 'Petrov', 'Quispe', 'Rossi', 'Singh',
  'Tanaka', 'Urquhart', 'Van der Berg', 'Walsh', 'Xu', 'Yilmaz', 'Zhang'] as const;
const WORDS = ['amber', 'basalt', 'cedar', 'delta', 'ember', 'fjord', 'granite', 'harbor', 'indigo', 'juniper',
  'kelp', 'lumen', 'meadow', 'nectar', 'onyx', 'pebble', 'quartz', 'raven', 'saffron', 'tundra', 'umber',
  'velvet', 'willow', 'yarrow', 'zephyr'] as const;
const ITEMS = ['Keyboard', 'Mouse', 'Monitor', 'Headset', 'Webcam', 'Desk lamp', 'USB hub', 'Laptop stand',
  'Notebook', 'Pen set', 'Backpack', 'Water bottle'] as const;
const THEMES = ['dark', 'light', 'solarized', 'high-contrast'] as const;

export interface RandomUser {
  name: string;
  email: string;
  age: number;
}

export interface Random {
  /** The seed of this test's stream (run seed mixed with the test's name). */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  bool(p?: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `n` different items, in random order. */
  sample<T>(items: readonly T[], n: number): T[];
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
  /** Lower-case letters and digits, `length` long: for ids, key suffixes, tokens in tests. */
  id(length?: number): string;
  /** A word from a fixed list, for names of things. */
  word(): string;
  /** A person's full name; some carry an apostrophe or an accent, as real names do. */
  name(): string;
  /** An email that is unique within this test's stream. */
  email(name?: string): string;
  /** A product name, for orders and carts. */
  item(): string;
  theme(): string;
  /** A user with a unique email and an age from 18 to 80. */
  user(): RandomUser;
  /** `count` users with distinct names and emails. */
  users(count: number): RandomUser[];
  /** A date between `from` and `to` (defaults: 2024-01-01 to 2026-01-01), whole seconds. */
  date(from?: Date, to?: Date): Date;
}

/** A stream of test data for one seed. */
export function seeded(seed: number): Random {
  const next = mulberry32(seed);
  let emails = 0;
  const usedNames = new Set<string>();
  const int = (min: number, max: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`random.int(${min}, ${max}): min and max must be whole numbers with min <= max.`);
    }
    return min + Math.floor(next() * (max - min + 1));
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('random.pick: the list is empty.');
    return items[int(0, items.length - 1)] as T;
  };
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = int(0, i);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };
  const name = (): string => {
    // Distinct within a stream while the lists allow (26 × 26 combinations).
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = `${pick(FIRST)} ${pick(LAST)}`;
      if (!usedNames.has(candidate)) {
        usedNames.add(candidate);
        return candidate;
      }
    }
    return `${pick(FIRST)} ${pick(LAST)} ${int(2, 999)}`;
  };
  const email = (who?: string): string => {
    const local = (who ?? pick(FIRST))
      .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '');
    emails += 1;
    return `${local}.${int(10, 99)}${emails}@${pick(['example.com', 'example.org', 'example.net'])}`;
  };
  const random: Random = {
    seed,
    next,
    int,
    bool: (p = 0.5) => next() < p,
    pick,
    sample: (items, n) => {
      if (n > items.length) throw new RangeError(`random.sample: asked for ${n} of ${items.length} items.`);
      return shuffle(items).slice(0, n);
    },
    shuffle,
    id: (length = 8) => Array.from({ length }, () => '0123456789abcdefghijklmnopqrstuvwxyz'[int(0, 35)]).join(''),
    word: () => pick(WORDS),
    name,
    email,
    item: () => pick(ITEMS),
    theme: () => pick(THEMES),
    user: () => {
      const n = name();
      return { name: n, email: email(n), age: int(18, 80) };
    },
    users: (count) => Array.from({ length: count }, () => random.user()),
    date: (from = new Date('2024-01-01T00:00:00Z'), to = new Date('2026-01-01T00:00:00Z')) =>
      new Date(Math.floor((from.getTime() + next() * (to.getTime() - from.getTime())) / 1000) * 1000),
  };
  return random;
}

/** The run's seed: NOSQL_LAB_SEED when set (to repeat a run), else a fresh one. */
export function runSeed(env: NodeJS.ProcessEnv = process.env): number {
  const fixed = env[SEED_VARIABLE];
  if (fixed !== undefined && fixed !== '') {
    const value = Number(fixed);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new Error(`${SEED_VARIABLE} must be a whole number from 0 to 4294967295 (got "${fixed}").`);
    }
    return value;
  }
  return Math.floor(Math.random() * 0x100000000);
}

/** Seed of one test's stream: the run's seed mixed with the test's full name. */
export function testSeed(run: number, testName: string): number {
  return (run ^ hash(testName)) >>> 0;
}

/** The sentence added to a failing test's message. */
export function repeatLine(run: number): string {
  return `Test data came from seed ${run}: ${SEED_VARIABLE}=${run} repeats this run.`;
}

function fullName(task: NamedTask): string {
  return taskPath(task).join(' > ');
}

/**
 * Call once at the top of a test file. Returns a `Random` whose stream is re-seeded before each test
 * (from the run's seed and the test's name); a failing test's first error ends with the seed line.
 */
export function useRandom(env: NodeJS.ProcessEnv = process.env): Random {
  const run = runSeed(env);
  let current = seeded(testSeed(run, ''));
  beforeEach((context) => {
    current = seeded(testSeed(run, fullName(context.task)));
    context.onTestFailed(({ task }) => {
      const error = task.result?.errors?.[0];
      if (error && typeof error.message === 'string' && !error.message.includes(SEED_VARIABLE)) {
        error.message = `${error.message}\n${repeatLine(run)}`;
      }
    });
  });
  // A stable facade: the methods always draw from the current test's stream.
  return new Proxy({} as Random, {
    get(_, key: keyof Random) {
      return current[key];
    },
  });
}
