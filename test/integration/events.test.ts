import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { isStepFor, SseClient, stepOf } from '../helpers/sse.js';

const image = (seed: number, size = 8) => sharp({ create: { width: size, height: size, channels: 3, background: { r: seed % 256, g: 40, b: 90 } } }).png().toBuffer();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * GET /api/v1/events on one listening app of the test profile: on the embedded profile the
 * in-process bus, on postgres-s3-redis the Redis of SESSION_URL (the fallback), on
 * mariadb-s3-memcached in-process again.
 */
describe('live events', () => {
  let t: TestApp;
  let base: string;
  let alice: Account;
  let bob: Account;
  const clients: SseClient[] = [];
  beforeAll(async () => {
    // Images over 256 pixels are never decoded: their step fails for good, at once.
    t = await createTestApp({ EVENTS_HEARTBEAT_SECONDS: '1', EVENTS_MAX_STREAMS_PER_USER: '3', MAX_IMAGE_PIXELS: '256', JOB_MAX_ATTEMPTS: '1' });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    [alice, bob] = [await signUp(t.app, 'livealice'), await signUp(t.app, 'livebob')];
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await t.close();
  });

  const stream = async (who: Account | Record<string, string>, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${base}/api/v1/events`, { ...('basic' in who ? { authorization: (who as Account).basic } : who), ...headers });
    clients.push(client);
    return client;
  };
  const upload = async (who: Account, content: Buffer, name = 'photo.png') => {
    const body = multipart([{ filename: name, content }]);
    const response = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: who.basic } });
    expect(response.statusCode).toBe(201);
    return response.json().items[0].id as string;
  };

  it('streams text/event-stream, unbuffered, to the signed-in caller only', async () => {
    const anonymous = await fetch(`${base}/api/v1/events`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe('unauthenticated');

    const client = await stream(alice);
    expect(client.response.status).toBe(200);
    expect(client.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.response.headers.get('cache-control')).toBe('no-store');
    expect(client.response.headers.get('x-accel-buffering')).toBe('no');
    expect(client.response.headers.get('x-request-id')).toBeTruthy();
    const ready = await client.ready();
    // A fresh stream's ready carries a position, so a reconnect replays from here.
    expect(ready.id).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z~$/);
    client.close();
  });

  it('tells the owner when a file\'s step is done, with the file as GET /files/:id shows it — and no one else', async () => {
    const [mine, theirs] = [await stream(alice), await stream(bob)];
    await Promise.all([mine.ready(), theirs.ready()]);
    const fileId = await upload(alice, await image(1));
    const event = await mine.next(isStepFor(fileId));
    expect(event.id).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z~[0-9a-f-]{36}$/);
    const step = stepOf(event);
    expect(step).toMatchObject({ fileId, step: 'describe', status: 'done' });
    expect(step.file.urls.thumbnail).toBe(`/api/v1/files/${fileId}/thumbnail`);
    expect(step.file.processing.status).toBe('done');
    const shown = (await t.app.inject({ url: `/api/v1/files/${fileId}`, headers: { authorization: alice.basic } })).json();
    // Less `permissions`: one event serves all the owner's streams, whatever their scopes.
    const { permissions: _permissions, ...shownWithoutPermissions } = shown;
    expect(step.file).toEqual(shownWithoutPermissions);

    // Bob's own event comes through his stream; Alice's never did, and his never reaches hers:
    // events come in the order they happen, so her next one would find his before it.
    const bobsFile = await upload(bob, await image(2));
    await theirs.next(isStepFor(bobsFile));
    expect(theirs.events.filter((e) => e.event === 'file.step').map((e) => stepOf(e).fileId)).toEqual([bobsFile]);
    const hersAfter = await upload(alice, await image(9));
    await mine.next(isStepFor(hersAfter));
    expect(mine.events.filter((e) => e.event === 'file.step').map((e) => stepOf(e).fileId)).toEqual([fileId, hersAfter]);
    mine.close();
    theirs.close();
  });

  it('tells of a step that failed for good', async () => {
    const client = await stream(alice);
    await client.ready();
    const fileId = await upload(alice, await image(3, 32), 'too-many-pixels.png');
    const step = stepOf(await client.next(isStepFor(fileId)));
    expect(step).toMatchObject({ status: 'failed', step: 'describe' });
    expect(step.file.processing).toEqual({ status: 'failed', failedSteps: ['describe'] });
    client.close();
  });

  it('works with the session cookie, as a browser\'s EventSource sends it', async () => {
    const client = await stream({ cookie: alice.cookie });
    expect(client.response.status).toBe(200);
    await client.ready();
    const fileId = await upload(alice, await image(4));
    await client.next(isStepFor(fileId));
    client.close();
  });

  it('takes a personal token with files:read, and refuses one without it', async () => {
    const token = async (scopes: string[]) => (await t.app.inject({ method: 'POST', url: '/api/v1/tokens', payload: { name: `events ${scopes}`, scopes }, headers: { authorization: alice.basic } })).json().secret as string;
    const reader = await stream({ authorization: `Bearer ${await token(['files:read'])}` });
    expect(reader.response.status).toBe(200);
    await reader.ready();
    reader.close();
    const sharer = await fetch(`${base}/api/v1/events`, { headers: { authorization: `Bearer ${await token(['shares:write'])}` } });
    expect(sharer.status).toBe(403);
    await sharer.arrayBuffer();
  });

  it('replays what ended while disconnected, after the Last-Event-ID, before ready', async () => {
    const first = await stream(alice);
    await first.ready();
    const seen = await upload(alice, await image(5));
    await first.next(isStepFor(seen));
    const lastEventId = first.lastEventId!;
    first.close();

    const missed = [await upload(alice, await image(6)), await upload(alice, await image(7))];
    await t.services.backends.jobs.idle();
    const again = await stream(alice, { 'last-event-id': lastEventId });
    await again.ready();
    const replayed = again.events.filter((e) => e.event === 'file.step').map((e) => stepOf(e).fileId);
    // In the order the steps ended (two may run at once), each once.
    expect([...replayed].sort()).toEqual([...missed].sort());
    expect(again.events.at(-1)!.event).toBe('ready');
    // The ready after a replay carries no id: the last replayed event's stands.
    expect(again.events.at(-1)!.id).toBeUndefined();
    again.close();
  });

  it('answers a Last-Event-ID it did not give with reset', async () => {
    const client = await stream(alice, { 'last-event-id': 'yesterday' });
    const reset = await client.next((e) => e.event === 'reset');
    expect(reset.id).toBeTruthy();
    await client.ready();
    client.close();
  });

  it('sends heartbeat comments', async () => {
    const client = await stream(alice);
    await client.ready();
    // One a second (EVENTS_HEARTBEAT_SECONDS=1); the wait ends with the first.
    expect(await client.comment('ping', 5000)).toBe('ping');
    client.close();
  });

  it('caps the streams one user holds (429), and frees a place when one closes', async () => {
    // Someone with no stream yet: the earlier tests' streams may not be counted out yet.
    const carol = await signUp(t.app, 'livecarol');
    const open = [await stream(carol), await stream(carol), await stream(carol)];
    await Promise.all(open.map((client) => client.ready()));
    const over = await fetch(`${base}/api/v1/events`, { headers: { authorization: carol.basic } });
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBeTruthy();
    expect(((await over.json()) as { code: string }).code).toBe('rate_limited');
    // Someone else is not concerned.
    const other = await stream(bob);
    expect(other.response.status).toBe(200);
    other.close();

    open[0]!.close();
    const deadline = Date.now() + 5000;
    let replacement = await stream(carol);
    while (replacement.response.status === 429 && Date.now() < deadline) {
      await sleep(50);
      replacement = await stream(carol);
    }
    expect(replacement.response.status).toBe(200);
    for (const client of [...open, replacement]) client.close();
  });
});

describe('live events at shutdown', () => {
  it('ends every open stream when the app closes, without waiting for them', async () => {
    const t = await createTestApp();
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const alice = await signUp(t.app, 'closealice');
    const clients = await Promise.all(Array.from({ length: 3 }, () => SseClient.open(`${base}/api/v1/events`, { authorization: alice.basic })));
    await Promise.all(clients.map((client) => client.ready()));
    const started = Date.now();
    await t.close();
    await Promise.all(clients.map((client) => client.ended));
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
