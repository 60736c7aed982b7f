import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, buildComposedApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { requireOrSkip } from '../helpers/services.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('coffer user', () => {
  let dataDir: string;
  const coffer = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent' }, input, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the first administrator with the password from standard input', async () => {
    const created = coffer(['user', 'create', '--username', 'boss', '--email', 'boss@example.com', '--admin', '--password-stdin'], 'boss-password-1\n');
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^created administrator boss/);
    const weak = coffer(['user', 'create', '--username', 'weak', '--email', 'weak@example.com', '--password-stdin'], 'short\n');
    expect(weak.status).not.toBe(0);
    expect(weak.stderr).toMatch(/^coffer: the password \(standard input\): .*at least 10 characters/);
    // The refused field is named, not just "some fields".
    const badEmail = coffer(['user', 'create', '--username', 'mail', '--email', 'not-an-address', '--password-stdin'], 'good-password-1\n');
    expect(badEmail.status).not.toBe(0);
    expect(badEmail.stderr).toMatch(/^coffer: --email: /);
    expect(badEmail.stderr).not.toContain('attention');

    const { fastify: app, composition } = await buildComposedApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    try {
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'boss', password: 'boss-password-1' } });
      expect(login.json().user).toMatchObject({ username: 'boss', isAdmin: true });
    } finally {
      await app.close();
    }
  });

  it('imports bcrypt hashes made by another tool (htpasswd) and re-hashes them to argon2id at sign-in', async () => {
    if (!requireOrSkip(existsSync('/usr/bin/htpasswd'), 'htpasswd is not installed (apt-get install apache2-utils)')) return;
    const hash = (user: string, password: string) => execFileSync('/usr/bin/htpasswd', ['-nbB', '-C', '5', user, password], { encoding: 'utf8' }).trim().split(':')[1]!;
    const csv = path.join(dataDir, 'users.csv');
    writeFileSync(csv, `login,bcrypt-hash,isAdmin\n# from pass2csv\nada,${hash('ada', 'ada-password-1')},false\ngrace,${hash('grace', 'grace-password-1')},true\n`);
    const imported = coffer(['user', 'import', csv]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout.trim().split('\n').at(-1)).toBe('imported 2 user(s)');
    // Importing again: every existing login is an error, and nothing is written.
    const again = coffer(['user', 'import', csv]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('line 3: the username "ada" already exists');
    expect(again.stderr).toContain('line 4: the username "grace" already exists');
    expect(again.stderr).toContain('nothing was imported');

    const bad = path.join(dataDir, 'bad.csv');
    writeFileSync(bad, `zed,${hash('zed', 'zed-password-1')},false\nBad Name,$2y$05$abc,maybe\n`);
    const refused = coffer(['user', 'import', bad]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('line 2: "Bad Name" is not a valid username');
    expect(refused.stderr).toContain('nothing was imported');

    const { fastify: app, composition } = await buildComposedApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    try {
      const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
      const storedHash = async (username: string) => (await composition.backends.db.selectFrom('users').select('password_hash').where('username', '=', username).executeTakeFirstOrThrow()).password_hash;
      expect(await storedHash('ada')).toMatch(/^\$2y\$/);
      expect((await login('ada', 'wrong-password-1')).statusCode).toBe(401);
      expect(await storedHash('ada')).toMatch(/^\$2y\$/);
      expect((await login('ada', 'ada-password-1')).statusCode).toBe(200);
      expect(await storedHash('ada')).toMatch(/^\$argon2id\$/);
      expect((await login('ada', 'ada-password-1')).statusCode).toBe(200);
      expect((await login('grace', 'grace-password-1')).json().user.isAdmin).toBe(true);
      expect((await login('zed', 'zed-password-1')).statusCode).toBe(401);
    } finally {
      await app.close();
    }
  });
});
