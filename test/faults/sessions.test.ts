import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, signIn, signUp, type TestApp } from '../helpers/app.js';
import { freePort, ServerProcess } from '../helpers/processes.js';
import { requireOrSkip } from '../helpers/services.js';

const cases = [
  ['Redis', (port: number) => ServerProcess.redis(port), (port: number) => `redis://127.0.0.1:${port}/0`],
  ['Memcached', (port: number) => ServerProcess.memcached(port), (port: number) => `memcached://127.0.0.1:${port}`],
] as const;

describe.each(cases)('the session store (%s) going away while Coffer runs', (name, makeServer, sessionUrl) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('answers 503 quickly, reports it in /readyz, and recovers by itself', async () => {
    const port = await freePort();
    const server = makeServer(port);
    if (!requireOrSkip(server.installed, `${server.command} is not installed (apt-get install redis-server memcached)`)) return;
    await server.start();
    cleanups.push(() => server.stop());
    const t: TestApp = await createTestApp({ SESSION_URL: sessionUrl(port) });
    cleanups.push(() => t.close());
    const user = await signUp(t.app, `fault${name.toLowerCase()}`);

    await server.stop();
    const started = Date.now();
    const during = await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: user.cookie } });
    expect(during.statusCode).toBe(503);
    expect(during.json()).toMatchObject({ code: 'unavailable' });
    expect(during.headers['retry-after']).toBeDefined();
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password } });
    expect(login.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(8000);
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().down).toEqual(['sessions']);

    // The store comes back empty (nothing persisted), so the old session is gone — but
    // Coffer serves again without a restart: sign-in works and /readyz is green.
    await server.start();
    const deadline = Date.now() + 10_000;
    let again = await t.app.inject({ url: '/readyz' });
    while (again.statusCode !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      again = await t.app.inject({ url: '/readyz' });
    }
    expect(again.statusCode).toBe(200);
    const fresh = await signIn(t.app, user.username, user.password);
    expect((await t.app.inject({ url: '/api/v1/auth/me', headers: { cookie: fresh.cookie } })).statusCode).toBe(200);
  });
});
