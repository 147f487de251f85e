/**
 * Answers computed from the store, kept until the store changes. A stored run never changes, so
 * an answer stays right until a run is added: by another process (SQLite's `data_version` moves
 * when another connection commits) or by this one (an upload bumps `localWrites`).
 */
import type { FastifyReply } from 'fastify';
import type { Store } from '../data/store.js';

/** Entries kept: the dashboard asks a few dozen distinct questions per view. */
const MAX_ENTRIES = 512;

export class ResponseCache {
  private readonly store: Store;
  private readonly entries = new Map<string, unknown>();
  private generation = '';
  private localWrites = 0;

  constructor(store: Store) {
    this.store = store;
  }

  /** This process wrote to the store: everything cached may be stale. */
  invalidate(): void {
    this.localWrites++;
  }

  /** The kept answer for `key`, if the store has not changed since it was computed. */
  peek<T>(key: string): T | undefined {
    const generation = `${this.store.dataVersion()}:${this.localWrites}`;
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    return this.entries.get(key) as T | undefined;
  }

  get<T>(key: string, compute: () => T): T {
    const kept = this.peek<T>(key);
    if (kept !== undefined) return kept;
    const value = compute();
    if (this.entries.size >= MAX_ENTRIES)
      this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
    return value;
  }
}

/**
 * Sends the cached JSON for `key`, computing and serialising it (through the route's response
 * schema) only when the store has changed since. A string payload is sent as it is.
 */
export function sendCached(
  reply: FastifyReply,
  cache: ResponseCache,
  key: string,
  compute: () => unknown,
): FastifyReply {
  const body = cache.get(key, () => reply.serialize(compute()));
  return reply.type('application/json; charset=utf-8').send(body);
}
