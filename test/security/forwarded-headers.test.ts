import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SECRET = 'b'.repeat(64);

/**
 * An instance behind `coffer cluster` listens on a loopback port that every local process
 * can reach, and TRUST_PROXY=127.0.0.1 alone would believe any of them. With PROXY_SECRET
 * only requests carrying the balancer's secret have their X-Forwarded-* believed.
 */
describe('X-Forwarded-* is believed only with the proxy secret', () => {
  let server: LiveServer;

  beforeAll(async () => {
    server = await startLiveServer({ env: { TRUST_PROXY: '127.0.0.1', PROXY_SECRET: SECRET } });
    const body = JSON.stringify({ name: 'Xena', username: 'xena', email: 'xena@example.com', password: 'xena-password-1' });
    expect((await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(201);
  });
  afterAll(() => server?.stop());

  /** Signs in with `headers` and returns the address the audit log recorded for it. */
  async function recordedAddress(headers: Record<string, string>): Promise<string> {
    const agent = `probe-${Math.random().toString(16).slice(2)}`;
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': agent, ...headers },
      body: JSON.stringify({ username: 'xena', password: 'xena-password-1' }),
    });
    expect(login.status).toBe(200);
    const db = new Database(path.join(server.dataDir, 'coffer.db'), { readonly: true });
    try {
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(100)) {
        const row = db.prepare("select ip from audit_events where action = 'auth.login' and user_agent = ?").get(agent) as { ip: string } | undefined;
        if (row) return row.ip;
      }
    } finally {
      db.close();
    }
    throw new Error('the sign-in was not audited');
  }

  it('ignores a forged X-Forwarded-For from a local process without the secret, or with a wrong one', async () => {
    expect(await recordedAddress({ 'x-forwarded-for': '203.0.113.7' })).toBe('127.0.0.1');
    expect(await recordedAddress({ 'x-forwarded-for': '203.0.113.7', 'x-coffer-proxy-secret': 'c'.repeat(64) })).toBe('127.0.0.1');
    expect(await recordedAddress({ 'x-forwarded-for': '203.0.113.7', 'x-coffer-proxy-secret': 'short' })).toBe('127.0.0.1');
  });

  it("believes the balancer's X-Forwarded-For when it carries the secret, and never logs the secret", async () => {
    expect(await recordedAddress({ 'x-forwarded-for': '198.51.100.4', 'x-coffer-proxy-secret': SECRET })).toBe('198.51.100.4');
    expect(server.log()).not.toContain(SECRET);
  });
});
