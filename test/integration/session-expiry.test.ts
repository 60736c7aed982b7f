import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionBackend, type SessionBackend } from '../../src/adapters/sessions/open.js';
import type { SessionData, SessionStore } from '../../src/adapters/sessions/session-store.js';
import { SessionsService } from '../../src/features/accounts/sessions.service.js';
import { provisionBackends, type ProvisionedBackends } from '../helpers/backends.js';
import { TestClock } from '../helpers/clock.js';

/** The profile's real store, noting the lifetime each write asks of it. */
function recordingTtls(store: SessionStore): { store: SessionStore; ttls: number[] } {
  const ttls: number[] = [];
  return {
    ttls,
    store: {
      get: (key) => store.get(key),
      set: (key: string, data: SessionData, ttlSeconds: number) => {
        ttls.push(ttlSeconds);
        return store.set(key, data, ttlSeconds);
      },
      delete: (key) => store.delete(key),
      check: () => store.check(),
      close: () => store.close(),
    },
  };
}

// On the session store of the test profile (memory, Redis or Memcached): the same rules,
// on a clock the test advances (the store's own expiry is asked for the same idle lifetime).
describe('session expiry', () => {
  let provisioned: ProvisionedBackends;
  let backend: SessionBackend;

  beforeAll(async () => {
    provisioned = await provisionBackends();
    backend = await openSessionBackend(provisioned.env.SESSION_URL ?? 'memory:');
  });
  afterAll(async () => {
    await backend.store.close();
    await provisioned.cleanup();
  });

  it('ends a session left idle, and asks the store to forget it after the idle time', async () => {
    const clock = new TestClock();
    const { store, ttls } = recordingTtls(backend.store);
    const sessions = new SessionsService(store, { idleSeconds: 600, absoluteSeconds: 3600 }, clock);
    const session = await sessions.create('user-1');
    expect(ttls).toEqual([600]);
    expect(await sessions.resolve(session.id)).toMatchObject({ userId: 'user-1', csrfToken: session.csrfToken });
    clock.advance(599_000);
    expect(await sessions.resolve(session.id)).toBeDefined();
    // That use moved the idle deadline (and the store's expiry) forward.
    expect(ttls).toEqual([600, 600]);
    clock.advance(599_000);
    expect(await sessions.resolve(session.id)).toBeDefined();
    clock.advance(601_000);
    expect(await sessions.resolve(session.id)).toBeUndefined();
  });

  it('ends a session at its absolute lifetime, however active', async () => {
    const clock = new TestClock();
    const { store, ttls } = recordingTtls(backend.store);
    const sessions = new SessionsService(store, { idleSeconds: 600, absoluteSeconds: 1800 }, clock);
    const session = await sessions.create('user-2');
    for (let minute = 5; minute < 30; minute += 5) {
      clock.advance(300_000);
      expect(await sessions.resolve(session.id)).toBeDefined();
    }
    // Never kept by the store past the absolute end: the last refresh asked for what remained.
    expect(ttls.at(-1)).toBeLessThanOrEqual(300);
    clock.advance(301_000);
    expect(await sessions.resolve(session.id)).toBeUndefined();
    expect(await backend.store.get(hash(session.id))).toBeUndefined();
  });

  it('stores only a hash of the id and forgets a destroyed session', async () => {
    const sessions = new SessionsService(backend.store);
    const session = await sessions.create('user-3');
    expect(await backend.store.get(session.id)).toBeUndefined();
    expect(await backend.store.get(hash(session.id))).toMatchObject({ userId: 'user-3' });
    await sessions.destroy(session.id);
    expect(await sessions.resolve(session.id)).toBeUndefined();
    expect(await sessions.resolve('not-a-session-id')).toBeUndefined();
  });
});

function hash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
