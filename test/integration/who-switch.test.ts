import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';
import { GROUP_PHOTOS } from '../helpers/faces.js';

// The administrators' switch for /who (GET/PATCH /admin/settings), kept in the database so
// every instance on it follows. Off answers exactly as WHO_ENABLED=0 does.

const OFF_ANSWER = { error: 'The "who is this?" finder is turned off on this server.', code: 'not_found' };

let address = 0;
/** Each request from its own client address, so /who's rate limit never decides a case. */
const nextAddress = () => `203.0.113.${++address}`;

const who = (t: TestApp, content: Buffer, remoteAddress = nextAddress()) => {
  const body = multipart([{ name: 'photo', filename: 'photo.jpg', content }]);
  return t.app.inject({ method: 'POST', url: '/api/v1/who', payload: body.payload, headers: body.headers, remoteAddress });
};
/** GET /api/v1/who as a guest: its status and body. */
const finderStatus = async (t: TestApp) => {
  const response = await t.app.inject({ method: 'GET', url: '/api/v1/who', remoteAddress: nextAddress() });
  return [response.statusCode, response.json()];
};
const getSettings = (t: TestApp, as?: Account) => t.app.inject({ method: 'GET', url: '/api/v1/admin/settings', headers: as ? { authorization: as.basic } : {} });
const patchSettings = (t: TestApp, payload: unknown, as?: Account) =>
  t.app.inject({ method: 'PATCH', url: '/api/v1/admin/settings', payload: payload as object, headers: { 'content-type': 'application/json', ...(as ? { authorization: as.basic } : {}) } });

/** What a request could have left behind: rows of every table /who or the settings touch, audit events, blobs. */
async function stored(t: TestApp) {
  const db = t.services.backends.db;
  await t.services.audit.flush();
  const rows = async (table: 'notable_people' | 'notable_faces' | 'files' | 'audit_events') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  let blobs = 0;
  for await (const _ of t.services.backends.blobs.list()) blobs += 1;
  const settings = await db.selectFrom('instance_settings').select(['name', 'value']).orderBy('name').execute();
  return { people: await rows('notable_people'), faces: await rows('notable_faces'), files: await rows('files'), audit: await rows('audit_events'), blobs, settings };
}

// Text: refused (415) after the switch but before the face model, so each case here costs
// no model run; the real photo at the end shows the finder answering once on again.
const notAPhoto = Buffer.from('not a photo, but past the switch');

describe('the /who switch', () => {
  let t: TestApp;
  let admin: Account;
  let member: Account;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUpAdmin(t, 'switchadmin');
    member = await signUp(t.app, 'switchmember');
  });
  afterAll(() => t.close());

  it('is on by default', async () => {
    const response = await getSettings(t, admin);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ whoEnabled: true, whoLockedByEnvironment: false });
    expect((await who(t, notAPhoto)).statusCode).toBe(415);
    expect(await finderStatus(t)).toEqual([200, { enabled: true }]);
  });

  it('turned off: /who answers 404 as with WHO_ENABLED=0, before any work, and stores nothing; the change is audited', async () => {
    const off = await patchSettings(t, { whoEnabled: false }, admin);
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ whoEnabled: false, whoLockedByEnvironment: false });
    expect((await getSettings(t, admin)).json()).toEqual({ whoEnabled: false, whoLockedByEnvironment: false });

    await t.services.audit.flush();
    const event = await t.services.backends.db.selectFrom('audit_events').selectAll().where('action', '=', 'admin.settings_update').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ actor: 'switchadmin', target: 'settings', outcome: 'success' });
    expect(JSON.parse(event.details ?? 'null')).toEqual({ whoEnabled: false });

    const before = await stored(t);
    const guest = nextAddress();
    // More than the 10 a minute one address may ask: refused before the attempt is counted.
    for (let i = 0; i < 12; i++) {
      const response = await who(t, GROUP_PHOTOS[0]!.bytes(), guest);
      expect([response.statusCode, response.json()]).toEqual([404, OFF_ANSWER]);
    }
    expect(await stored(t)).toEqual(before);
    // What the page asks as it opens: anyone may, and the answer follows the switch.
    expect(await finderStatus(t)).toEqual([200, { enabled: false }]);

    const on = await patchSettings(t, { whoEnabled: true }, admin);
    expect(on.json()).toEqual({ whoEnabled: true, whoLockedByEnvironment: false });
    expect((await who(t, notAPhoto, guest)).statusCode).toBe(415); // not 429: none of the 12 was counted
  });

  it('on again: the finder answers with the faces of a real photo', async () => {
    await patchSettings(t, { whoEnabled: false }, admin);
    expect((await who(t, GROUP_PHOTOS[0]!.bytes())).statusCode).toBe(404);
    expect((await patchSettings(t, { whoEnabled: true }, admin)).statusCode).toBe(200);
    const response = await who(t, GROUP_PHOTOS[0]!.bytes());
    expect(response.statusCode).toBe(200);
    expect(response.json().faces).toHaveLength(3);
  });

  it('is for administrators only: a member gets 403, a guest 401, and nothing changes', async () => {
    const before = await stored(t);
    expect((await getSettings(t, member)).json()).toMatchObject({ code: 'forbidden' });
    expect((await patchSettings(t, { whoEnabled: false }, member)).statusCode).toBe(403);
    expect((await getSettings(t)).statusCode).toBe(401);
    expect((await patchSettings(t, { whoEnabled: false })).statusCode).toBe(401);
    expect(await stored(t)).toEqual(before);
    expect((await who(t, notAPhoto)).statusCode).toBe(415);
  });

  it('refuses a bad body with a 400 naming the field, and changes nothing', async () => {
    const before = await stored(t);
    const cases: [string, unknown, string][] = [
      ['empty', {}, 'body'],
      ['unknown key', { whoEnabled: false, registration: false }, 'registration'],
      ['only an unknown key', { whoLockedByEnvironment: true }, 'whoLockedByEnvironment'],
      ['a string', { whoEnabled: 'false' }, 'whoEnabled'],
      ['a number', { whoEnabled: 0 }, 'whoEnabled'],
      ['null', { whoEnabled: null }, 'whoEnabled'],
      ['an array', [{ whoEnabled: false }], 'body'],
    ];
    for (const [what, payload, field] of cases) {
      const response = await patchSettings(t, payload, admin);
      const body = response.json();
      expect([what, response.statusCode, body.code, body.details?.[0]?.field]).toEqual([what, 400, 'invalid_request', field]);
    }
    const notJson = await t.app.inject({ method: 'PATCH', url: '/api/v1/admin/settings', payload: '{"whoEnabled": fals', headers: { 'content-type': 'application/json', authorization: admin.basic } });
    expect([notJson.statusCode, notJson.json().code]).toEqual([400, 'invalid_request']);
    expect(await stored(t)).toEqual(before);
    expect((await getSettings(t, admin)).json()).toEqual({ whoEnabled: true, whoLockedByEnvironment: false });
  });
});

describe('the /who switch under WHO_ENABLED=0', () => {
  let t: TestApp;
  let admin: Account;

  beforeAll(async () => {
    t = await createTestApp({ WHO_ENABLED: '0' });
    admin = await signUpAdmin(t, 'lockedadmin');
  });
  afterAll(() => t.close());

  it('says the environment locks it off, and refuses to turn it on (409) without changing anything', async () => {
    expect((await getSettings(t, admin)).json()).toEqual({ whoEnabled: false, whoLockedByEnvironment: true });
    const before = await stored(t);
    const refused = await patchSettings(t, { whoEnabled: true }, admin);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'conflict', details: [{ field: 'whoEnabled', reason: 'locked_by_environment' }] });
    expect(refused.json().error).toContain('WHO_ENABLED=0');
    expect(await stored(t)).toEqual(before);
    const response = await who(t, GROUP_PHOTOS[0]!.bytes());
    expect([response.statusCode, response.json()]).toEqual([404, OFF_ANSWER]);
  });

  it('still takes "off" (kept for when the lock is lifted)', async () => {
    const off = await patchSettings(t, { whoEnabled: false }, admin);
    expect([off.statusCode, off.json()]).toEqual([200, { whoEnabled: false, whoLockedByEnvironment: true }]);
    expect((await who(t, notAPhoto)).statusCode).toBe(404);
  });
});

describe('the /who switch across instances', () => {
  let first: TestApp;
  let second: TestApp;
  let admin: Account;

  beforeAll(async () => {
    first = await createTestApp({ INSTANCE_ID: 'who-switch-a' });
    // The second instance on the first one's database (its own data folder and session store).
    second = await createTestApp({ INSTANCE_ID: 'who-switch-b', DATABASE_URL: first.config.databaseUrl });
    admin = await signUpAdmin(first, 'clusteradmin');
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('a change made on one instance holds on the other from its next request', async () => {
    expect((await who(second, notAPhoto)).statusCode).toBe(415);
    expect((await patchSettings(first, { whoEnabled: false }, admin)).statusCode).toBe(200);
    expect((await who(second, notAPhoto)).statusCode).toBe(404);
    expect((await getSettings(second, admin)).json()).toEqual({ whoEnabled: false, whoLockedByEnvironment: false });

    expect((await patchSettings(second, { whoEnabled: true }, admin)).statusCode).toBe(200);
    expect((await who(first, notAPhoto)).statusCode).toBe(415);
    expect((await who(second, notAPhoto)).statusCode).toBe(415);
  });
});
