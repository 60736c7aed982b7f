import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { profileName } from '../helpers/backends.js';

const HOLD_MS = 1500;

/** Another process (a second instance, a CLI command) holding SQLite's write lock for a while. */
function holdWriteLock(file: string, ms: number): Promise<ChildProcess> {
  const betterSqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(betterSqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('begin immediate');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('commit'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
}

/** The longest the event loop went without running a 5 ms timer, while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  try {
    return { result: await work(), stallMs };
  } finally {
    clearInterval(timer);
  }
}

describe.skipIf(profileName !== 'embedded')('SQLite write lock held by another process', () => {
  let t: TestApp;
  let owner: Account;
  let fileId: string;

  beforeAll(async () => {
    t = await createTestApp();
    owner = await signUp(t.app);
    const body = multipart([{ filename: 'a.png', content: await fixture('sample.png') }]);
    fileId = (await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: owner.basic } })).json().items[0].id;
    await t.services.backends.jobs.idle();
    await t.services.audit.flush();
  });
  afterAll(() => t.close());

  it('waits for the lock without blocking the event loop, then writes', async () => {
    const holder = await holdWriteLock(t.config.databaseUrl.slice('sqlite:'.length), HOLD_MS);
    const started = performance.now();
    const { result, stallMs } = await longestStall(async () => {
      const rename = t.app.inject({ method: 'PATCH', url: `/api/v1/files/${fileId}`, headers: { authorization: owner.basic }, payload: { name: 'renamed.png' } });
      // Meanwhile the server answers what needs no write.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const health = await t.app.inject({ method: 'GET', url: '/healthz' });
      const healthAt = performance.now() - started;
      return { rename: await rename, health, healthAt };
    });
    const waited = performance.now() - started;
    await new Promise((resolve) => (holder.exitCode !== null ? resolve(null) : holder.once('exit', resolve)));
    expect(result.rename.statusCode, result.rename.body).toBe(200);
    expect(result.rename.json().name).toBe('renamed.png');
    // The rename had to wait for the other process's commit...
    expect(waited).toBeGreaterThan(HOLD_MS * 0.8);
    // ...but nothing froze: busy_timeout 5000 blocked the whole process for the full hold.
    expect(result.health.statusCode).toBe(200);
    expect(result.healthAt).toBeLessThan(HOLD_MS / 2);
    expect(stallMs).toBeLessThan(250);
  });
});
