import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type Account, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';

describe('the instance registry', () => {
  let t: TestApp;
  let admin: Account;
  let member: Account;

  beforeAll(async () => {
    t = await createTestApp({ INSTANCE_ID: 'coffer-registry-test' });
    admin = await signUpAdmin(t, 'registryadmin');
    member = await signUp(t.app);
  });
  afterAll(() => t.close());

  const instances = (who?: Account) => t.app.inject({ url: '/api/v1/admin/instances', headers: who ? { authorization: who.basic } : {} });

  it('is for administrators only', async () => {
    expect((await instances()).statusCode).toBe(401);
    expect((await instances(member)).json()).toMatchObject({ code: 'forbidden' });
  });

  it('lists an instance from the moment it listens, healthy while its heartbeat is fresh', async () => {
    expect((await instances(admin)).json()).toEqual({ items: [] });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    // One that went silent a minute ago, as a crashed instance would.
    const minuteAgo = new Date(Date.now() - 60_000).toISOString();
    await t.services.backends.db
      .insertInto('instances')
      .values({ id: 'coffer-crashed', host: 'elsewhere', pid: 4242, port: 8081, version: '0.0.1', started_at: minuteAgo, last_heartbeat_at: minuteAgo })
      .execute();

    // Fastify runs onListen hooks after listen() resolves: the first heartbeat follows shortly.
    let items: Array<{ id: string; lastHeartbeatAt: string; startedAt: string }> = [];
    for (const deadline = Date.now() + 10_000; items.length < 2 && Date.now() < deadline; ) {
      ({ items } = (await instances(admin)).json());
      if (items.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(items).toEqual([
      { id: 'coffer-crashed', host: 'elsewhere', pid: 4242, port: 8081, version: '0.0.1', startedAt: minuteAgo, lastHeartbeatAt: minuteAgo, healthy: false },
      { id: 'coffer-registry-test', host: expect.any(String), pid: process.pid, port, version: expect.any(String), startedAt: expect.any(String), lastHeartbeatAt: expect.any(String), healthy: true },
    ]);
    const self = items[1]!;
    expect(Date.now() - Date.parse(self.lastHeartbeatAt)).toBeLessThan(30_000);
    expect(self.startedAt <= self.lastHeartbeatAt).toBe(true);
  });
});
