import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionBackend, type SessionBackend } from '../../src/adapters/sessions/open.js';
import { SessionsService } from '../../src/features/accounts/sessions.service.js';
import { provisionBackends, type ProvisionedBackends } from '../helpers/backends.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// On the session store of the test profile (memory, Redis or Memcached): the same rules.
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

  it('ends a session left idle, by the store\'s own expiry', async () => {
    const sessions = new SessionsService(backend.store, { idleSeconds: 1, absoluteSeconds: 60 });
    const session = await sessions.create('user-1');
    expect(await sessions.resolve(session.id)).toMatchObject({ userId: 'user-1', csrfToken: session.csrfToken });
    await sleep(2100);
    expect(await sessions.resolve(session.id)).toBeUndefined();
  });

  it('ends a session at its absolute lifetime, however active', async () => {
    const sessions = new SessionsService(backend.store, { idleSeconds: 60, absoluteSeconds: 2 });
    const session = await sessions.create('user-2');
    await sleep(1000);
    expect(await sessions.resolve(session.id)).toBeDefined();
    await sleep(1200);
    expect(await sessions.resolve(session.id)).toBeUndefined();
  });

  it('stores only a hash of the id and forgets a destroyed session', async () => {
    const sessions = new SessionsService(backend.store);
    const session = await sessions.create('user-3');
    expect(await backend.store.get(session.id)).toBeUndefined();
    await sessions.destroy(session.id);
    expect(await sessions.resolve(session.id)).toBeUndefined();
    expect(await sessions.resolve('not-a-session-id')).toBeUndefined();
  });
});
