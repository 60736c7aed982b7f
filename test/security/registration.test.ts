import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AccountsService } from '../../src/features/accounts/accounts.service.js';
import { parseUserCsv } from '../../src/features/accounts/csv-import.js';
import { LoginThrottle } from '../../src/features/accounts/login-throttle.js';
import { PasswordHasher } from '../../src/features/accounts/passwords.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/** Issue 8, item 12: sign-ups and `coffer user import`. */
const SIGN_UPS_PER_ADDRESS = 20;
// A real bcrypt hash (of "password", cost 5) with its cost field rewritten.
const BCRYPT_5 = '$2b$05$XLafXcJsXTHiJkm/dNxXGeSMRJIl6Gkvgro0/wWHkUBGjPRooHsAy';
const withCost = (cost: number) => BCRYPT_5.replace('$05$', `$${String(cost).padStart(2, '0')}$`);

describe('registration', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const register = (payload: Record<string, unknown>, remoteAddress = '127.0.0.1') => t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload, remoteAddress });
  const person = (username: string, extra: Record<string, unknown> = {}) => ({ name: `Person ${username}`, username, email: `${username}@example.com`, password: `${username}-password-1`, ...extra });

  it('rate-limits 200 concurrent sign-ups from one address', async () => {
    const statuses = await Promise.all(Array.from({ length: 200 }, async (_, i) => (await register(person(`flood${i}`), '10.20.0.1')).statusCode));
    const created = statuses.filter((status) => status === 201).length;
    expect(created).toBeLessThanOrEqual(SIGN_UPS_PER_ADDRESS);
    // The rest are refused: 429, or a fail-closed 503 where the machine is too loaded for the stores' timeouts.
    expect(statuses.filter((status) => status !== 201 && status !== 429 && status !== 503)).toEqual([]);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(100);
    const users = await t.services.backends.db.selectFrom('users').select('username').where('username', 'like', 'flood%').execute();
    expect(users).toHaveLength(created);
    const refused = await register(person('flood-late'), '10.20.0.1');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await register(person('elsewhere'), '10.20.0.2')).statusCode).toBe(201);
  });

  it('removes bidi and control characters from display names, like file names', async () => {
    const response = await register(person('bidiname', { name: 'Eve\u202Egnp.exe\u2066 \u200fAdmin\u0007' }), '10.21.0.1');
    expect(response.statusCode).toBe(201);
    expect(response.json().user.name).toBe('Evegnp.exe Admin');
    const row = await t.services.backends.db.selectFrom('users').select('name').where('username', '=', 'bidiname').executeTakeFirstOrThrow();
    expect(row.name).toBe('Evegnp.exe Admin');
    const empty = await register(person('onlybidi', { name: '\u202E\u202D' }), '10.21.0.1');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().details).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('refuses addresses at imported.invalid', async () => {
    for (const email of ['ada@imported.invalid', 'Ada@IMPORTED.INVALID']) {
      const response = await register(person('squatter', { email }), '10.22.0.1');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'invalid_request', details: [expect.objectContaining({ field: 'email' })] });
    }
    expect(await t.services.backends.db.selectFrom('users').select('id').where('username', '=', 'squatter').execute()).toHaveLength(0);
  });

  describe('coffer user import', () => {
    // The service `coffer user import` runs, on this test's database.
    const importer = () => new AccountsService(t.services.backends.db, new PasswordHasher(), new LoginThrottle(new RateLimiterMemory({ points: 1, duration: 1 }), new RateLimiterMemory({ points: 1, duration: 1 })), new RateLimiterMemory({ points: 1, duration: 1 }));
    const usernames = async (prefix: string) => (await t.services.backends.db.selectFrom('users').select('username').where('username', 'like', `${prefix}%`).orderBy('username').execute()).map((r) => r.username);

    it('reports a login that exists as an error naming its line, and imports nothing', async () => {
      expect((await register(person('impexists'), '10.23.0.1')).statusCode).toBe(201);
      const { users, errors } = parseUserCsv(`login,bcrypt-hash,isAdmin\nimpfresh,${BCRYPT_5},false\nimpexists,${BCRYPT_5},true\n`);
      expect(errors).toEqual([]);
      const result = await importer().importUsers(users);
      expect(result.created).toEqual([]);
      expect(result.errors).toEqual([expect.stringMatching(/^line 3: .*"impexists" already exists/)]);
      expect(await usernames('imp')).toEqual(['impexists']);
    });

    it('gives a clear error, not a UNIQUE violation, when an imported address is already taken', async () => {
      // An account registered with the address an import would give "impgrace" (before the rule above).
      await t.services.backends.db.updateTable('users').set({ email: 'impgrace@imported.invalid' }).where('username', '=', 'impexists').execute();
      const { users } = parseUserCsv(`impgrace,${BCRYPT_5},false\n`);
      const result = await importer().importUsers(users);
      expect(result.errors).toEqual([expect.stringMatching(/^line 1: .*impgrace@imported\.invalid.*"impexists"/)]);
      expect(await usernames('impgrace')).toEqual([]);
    });

    it(`refuses bcrypt costs above 14 (cost 31 would take hours per sign-in)`, async () => {
      const { users, errors } = parseUserCsv(`impcheap,${withCost(14)},false\nimpcostly,${withCost(15)},false\nimpabsurd,${withCost(31)},false\n`);
      expect(users.map((u) => u.username)).toEqual(['impcheap']);
      expect(errors).toEqual([expect.stringMatching(/^line 2: .*cost.*15/), expect.stringMatching(/^line 3: .*cost.*31/)]);
    });

    it('never runs bcrypt above the cap at sign-in, for hashes imported before it', async () => {
      expect((await register(person('oldimport'), '10.24.0.1')).statusCode).toBe(201);
      await t.services.backends.db.updateTable('users').set({ password_hash: withCost(31) }).where('username', '=', 'oldimport').execute();
      const started = Date.now();
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'oldimport', password: 'password' }, remoteAddress: '10.24.0.2' });
      expect(login.statusCode).toBe(401);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });
});
