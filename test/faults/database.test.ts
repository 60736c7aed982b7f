import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, serverStatus, withMariadb, withPostgres } from '../helpers/backends.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { requireOrSkip } from '../helpers/services.js';

/**
 * What an RDS failover or a restarted connection proxy does: the server ends every
 * connection Coffer holds, idle ones and ones in the middle of a query. Each returns how
 * many connections it ended.
 */
const terminators = {
  postgres: (database: string) =>
    withPostgres(async (client) => (await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])).rowCount ?? 0),
  mariadb: (database: string) =>
    withMariadb(async (connection) => {
      const [rows] = await connection.query('select id from information_schema.processlist where db = ? and id <> connection_id()', [database]);
      let killed = 0;
      for (const { id } of rows as Array<{ id: number }>) {
        // A connection may end by itself between the list and the KILL.
        await connection.query(`kill ${Number(id)}`).then(() => (killed += 1), () => {});
      }
      return killed;
    }),
};

const LOAD_WORKERS = 4;
const TERMINATIONS = 3;
const RECOVERY_LIMIT_MS = 2000;

describe.each(Object.keys(terminators) as Array<keyof typeof terminators>)('%s ending Coffer’s connections under load', (server) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.warn('cleanup failed:', error));
  });

  it('keeps the process alive, retries reads on a fresh connection, and is ready again within 2 s', async () => {
    const status = await serverStatus(server);
    if (!requireOrSkip(status.up, status.howToStart)) return;
    const name = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const database = await createDatabase(server, name);
    cleanups.push(database.drop);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-dbfault-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const live: LiveServer = await startLiveServer({ shared: { dataDir, env: { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4' } } });
    cleanups.push(() => live.stop());

    const account = { name: 'Load Reader', username: 'reader', email: 'reader@example.com', password: 'correct horse battery staple' };
    expect((await post(`${live.url}/api/v1/auth/register`, account)).status).toBe(201);
    const authorization = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
    // The first call of a route compiles its code; that is not what is measured below.
    expect((await fetch(`${live.url}/readyz`)).status).toBe(200);

    // A bounded load of reads (each one authenticates and lists: two SELECTs).
    let running = true;
    const outcomes = { ok: 0, failed: [] as string[] };
    const worker = async () => {
      const deadline = Date.now() + 30_000;
      while (running && Date.now() < deadline) {
        try {
          const response = await fetch(`${live.url}/api/v1/files`, { headers: { authorization } });
          const body = await response.text();
          if (response.status === 200) outcomes.ok += 1;
          else outcomes.failed.push(`${response.status} ${body}`);
        } catch (error) {
          outcomes.failed.push(String(error));
        }
      }
    };
    const load = Array.from({ length: LOAD_WORKERS }, worker);

    const recoveries: number[] = [];
    for (let round = 0; round < TERMINATIONS; round += 1) {
      await sleep(700);
      const terminated = await terminators[server](name);
      expect(terminated, 'the server ended some of Coffer’s connections').toBeGreaterThan(0);
      recoveries.push(await millisecondsUntilReady(live.url));
    }
    await sleep(500);
    running = false;
    await Promise.all(load);

    const health = await fetch(`${live.url}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-coffer-instance'), 'the same process answers').toBe(`coffer-${live.pid}`);
    expect(() => process.kill(live.pid, 0)).not.toThrow();
    for (const milliseconds of recoveries) expect(milliseconds).toBeLessThan(RECOVERY_LIMIT_MS);
    console.info(`${server}: ${outcomes.ok} reads answered, ${outcomes.failed.length} failed, ready again after ${recoveries.join(' / ')} ms`);
    expect(outcomes.ok).toBeGreaterThan(20);
    // Reads are retried once on a fresh connection, so none should fail; allow one or two
    // for a retry that met a second termination.
    expect(outcomes.failed.length, outcomes.failed.slice(0, 5).join('\n')).toBeLessThanOrEqual(2);
    expect(live.log()).toContain('a database connection was lost');
  });
});

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Polls /readyz until it answers 200; gives up (and returns the time spent) after 5 s. */
async function millisecondsUntilReady(url: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 5000) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await sleep(50);
  }
  return Date.now() - started;
}
