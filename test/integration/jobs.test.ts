import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEngine, type JobEngine } from '../../src/adapters/jobs/job-queue.js';
import { JobsService, type JobsOptions, type PipelineStep } from '../../src/features/jobs/jobs.service.js';
import { ApiTester, injectTransport } from '../helpers/api-tester.js';
import { createTestApp, fixture, multipart, type TestApp } from '../helpers/app.js';
import { addAdmin } from '../helpers/fixtures.js';
import { serverStatus } from '../helpers/backends.js';
import { FFMPEG_MISSING, hasFfmpeg, requireOrSkip } from '../helpers/services.js';

const basicOf = (name: string) => `Basic ${Buffer.from(`${name}:${name}-password-1`).toString('base64')}`;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Small distinct PNGs, so every upload is its own file. */
const tinyImage = () => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: randomBytes(1)[0]!, g: 10, b: 20 } } }).png().toBuffer();

const redis = await serverStatus('redis');
const engines: Array<{ name: string; open: (() => Promise<JobEngine>) | undefined }> = [
  { name: 'in-process', open: async () => new InProcessEngine() },
  // Each test's services share one queue of their own (a fresh key prefix).
  { name: 'BullMQ', open: redis.up ? bullmqOpener(`${redis.url}?prefix=jobs-test-${process.pid}-${randomBytes(4).toString('hex')}`) : undefined },
];

function bullmqOpener(url: string): () => Promise<JobEngine> {
  return async () => (await import('../../src/adapters/jobs/bullmq.js')).BullMqEngine.open(url);
}

/**
 * The queue itself, on the profile's database: a web app that works no jobs (JOBS_WORKER=0)
 * holds the files, and queue services made here work steps whose timing the test decides,
 * on the in-process engine and on BullMQ (when Redis is there).
 */
describe('durable jobs: the queue', () => {
  let t: TestApp;
  let api: ApiTester;
  const fileIds: Record<'alice' | 'bob', string[]> = { alice: [], bob: [] };
  const owners: Record<string, string> = {};
  const services: JobsService[] = [];

  beforeAll(async () => {
    t = await createTestApp({ JOBS_WORKER: '0' });
    api = new ApiTester(injectTransport(t.app));
    for (const name of ['alice', 'bob'] as const) {
      await api.addUser(name);
      owners[name] = (await api.get('/api/v1/auth/me', 200, { as: name })).json().user.id;
      const count = name === 'alice' ? 12 : 2;
      const parts = await Promise.all(Array.from({ length: count }, async (_, i) => ({ filename: `${name}-${i}.png`, content: await tinyImage() })));
      const body = multipart(parts);
      const uploaded = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basicOf(name) } });
      expect(uploaded.statusCode).toBe(201);
      fileIds[name] = uploaded.json().items.map((file: { id: string }) => file.id);
    }
  });
  afterAll(async () => {
    for (const service of services) await service.close();
    await t.close();
  });


  const options = (overrides: Partial<JobsOptions> = {}): JobsOptions => ({ worker: true, concurrency: 1, timeoutMs: 10_000, maxAttempts: 3, retryMs: 200, sweepMs: 500, instanceId: 'test', ...overrides });
  const startService = async (open: () => Promise<JobEngine>, steps: PipelineStep[], overrides?: Partial<JobsOptions>) => {
    const service = new JobsService(t.services.backends.db, await open(), steps, options(overrides), quiet);
    services.push(service);
    service.start();
    return service;
  };
  const enqueue = async (service: JobsService, ids: string[], owner: string) => {
    const deliveries = await t.services.backends.db.transaction().execute((trx) => service.record(trx, ids.map((id) => ({ id, ownerId: owner, kind: 'image' as const }))));
    service.submit(deliveries);
  };
  const rowsOf = (step: string) => t.services.backends.db.selectFrom('jobs').selectAll().where('step', '=', step).execute();

  for (const engine of engines) {
    describe(engine.name, () => {
      const available = () => requireOrSkip(engine.open !== undefined, redis.howToStart);
      const tag = engine.name === 'BullMQ' ? 'b' : 'p';

      it("is fair between users: one user's many jobs do not delay another's first", async () => {
        if (!available()) return;
        const finished: string[] = [];
        const slow: PipelineStep = {
          name: `slow-${tag}`,
          appliesTo: () => true,
          run: async (fileId, signal) => {
            await sleep(150);
            signal.throwIfAborted();
            finished.push(fileId);
          },
        };
        const service = await startService(engine.open!, [slow]);
        await enqueue(service, fileIds.alice, owners.alice!);
        await sleep(50);
        await enqueue(service, fileIds.bob.slice(0, 1), owners.bob!);
        // A job's row says done a moment after its step returned: wait for the rows, not the steps.
        await waitFor('every slow job done', async () => (await rowsOf(slow.name)).filter((row) => row.status === 'done').length === 13);
        // Bob's one job waits for the one running and at most one more of Alice's twelve.
        expect(finished.indexOf(fileIds.bob[0]!)).toBeLessThanOrEqual(2);
        expect(finished).toHaveLength(13);
        expect((await rowsOf(slow.name)).map((row) => Number(row.attempts))).toEqual(Array(13).fill(1));
      });

      it('stops a job at its time limit through its AbortSignal, retries it with backoff, then fails it for good; others go on', async () => {
        if (!available()) return;
        const aborted: unknown[] = [];
        const ran: string[] = [];
        const [stuck, fine] = fileIds.bob as [string, string];
        const step: PipelineStep = {
          name: `limited-${tag}`,
          appliesTo: () => true,
          run: (fileId, signal) => {
            if (fileId !== stuck) return sleep(20).then(() => void ran.push(fileId));
            // Never finishes by itself: only the time limit ends it.
            return new Promise((_, reject) => signal.addEventListener('abort', () => (aborted.push(signal.reason), reject(signal.reason as Error))));
          },
        };
        const service = await startService(engine.open!, [step], { timeoutMs: 1000, maxAttempts: 2, retryMs: 300 });
        await enqueue(service, [stuck], owners.bob!);
        await enqueue(service, [fine], owners.bob!);
        const failed = await waitFor('the stuck job to fail for good', async () => (await rowsOf(step.name)).find((row) => row.file_id === stuck && row.status === 'failed'));
        // The other job is not held up for good. In-process (one slot), it even ran between
        // the stuck job's attempts. (On BullMQ the order between them is not asserted.)
        const fineRow = await waitFor('the other job', async () => (await rowsOf(step.name)).find((row) => row.file_id === fine && row.status === 'done'));
        if (engine.name === 'in-process') expect(fineRow.updated_at < failed.updated_at).toBe(true);
        expect(ran).toEqual([fine]);
        expect(Number(failed.attempts)).toBe(2);
        expect(failed.last_error).toContain('time limit of 1 s');
        expect(aborted).toHaveLength(2);
        // (Its `describe` step is still queued here: this app works no jobs.)
        expect((await api.get(`/api/v1/files/${stuck}`, 200, { as: 'bob' })).json().processing.failedSteps).toContain(step.name);
        expect((await api.get(`/api/v1/files/${fine}`, 200, { as: 'bob' })).json().processing.failedSteps).not.toContain(step.name);
      });

      it('runs each job exactly once when two processes share the work and both sweep', async () => {
        if (!available()) return;
        const runs = new Map<string, number>();
        const step: PipelineStep = {
          name: `once-${tag}`,
          appliesTo: () => true,
          run: async (fileId) => {
            runs.set(fileId, (runs.get(fileId) ?? 0) + 1);
            await sleep(30);
          },
        };
        const one = await startService(engine.open!, [step], { concurrency: 2, sweepMs: 100, instanceId: 'one' });
        await startService(engine.open!, [step], { concurrency: 2, sweepMs: 100, instanceId: 'two' });
        await enqueue(one, fileIds.alice, owners.alice!);
        // Delivered again on purpose: a repeated message must do nothing.
        await enqueue(one, [], owners.alice!);
        await waitFor('every job done', async () => (await rowsOf(step.name)).every((row) => row.status === 'done'));
        await sleep(500);
        expect([...runs.values()]).toEqual(fileIds.alice.map(() => 1));
        expect(runs.size).toBe(fileIds.alice.length);
      });

      it('gives a running job back at shutdown, its attempt not counted', async () => {
        if (!available()) return;
        let started = false;
        const step: PipelineStep = {
          name: `held-${tag}`,
          appliesTo: () => true,
          run: (_fileId, signal) => {
            started = true;
            return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
          },
        };
        const service = await startService(engine.open!, [step], { timeoutMs: 60_000 });
        await enqueue(service, fileIds.bob.slice(1), owners.bob!);
        await waitFor('the job to start', async () => started);
        await service.close();
        const [row] = await rowsOf(step.name);
        expect(row).toMatchObject({ status: 'queued', locked_by: null });
        expect(Number(row!.attempts)).toBe(0);
      });
    });
  }
});

/** The real pipeline through the API: a file whose probe fails, and what administrators see and do. */
describe('durable jobs: a poison file and the administrators', () => {
  let t: TestApp;
  let api: ApiTester;

  beforeAll(async () => {
    t = await createTestApp({ JOB_MAX_ATTEMPTS: '2', JOB_RETRY_SECONDS: '1', JOBS_SWEEP_SECONDS: '1' });
    api = new ApiTester(injectTransport(t.app));
    await addAdmin(t, api, 'root');
    await api.addUser('member');
  });
  afterAll(() => t.close());

  it('marks a file whose probe fails as failed after N attempts, without holding up the others; admins see it and retry it', async () => {
    if (!requireOrSkip(hasFfmpeg, FFMPEG_MISSING)) return;
    const mp4 = await fixture('sample.mp4');
    // Cut inside its index: still an MP4 by its first bytes (accepted), but ffprobe fails on it.
    const truncated = mp4.subarray(0, 2000);
    const body = multipart([
      { filename: 'broken.mp4', content: truncated },
      { filename: 'fine.jpg', content: await fixture('sample.jpg') },
    ]);
    const uploaded = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basicOf('member') } });
    expect(uploaded.statusCode).toBe(201);
    const [broken, fine] = uploaded.json().items as Array<{ id: string; processing: unknown }>;
    expect(broken!.processing).toEqual({ status: 'pending', failedSteps: [] });

    const fineFile = await waitFor('the good file', async () => {
      const file = (await api.get(`/api/v1/files/${fine!.id}`, 200, { as: 'member' })).json();
      return file.processing.status === 'done' && file;
    });
    expect(fineFile.urls.thumbnail).toBeDefined();
    const brokenFile = await waitFor('the broken file to fail', async () => {
      const file = (await api.get(`/api/v1/files/${broken!.id}`, 200, { as: 'member' })).json();
      return file.processing.status === 'failed' && file;
    });
    expect(brokenFile.processing).toEqual({ status: 'failed', failedSteps: ['describe'] });

    await api.get('/api/v1/admin/jobs', 403, { as: 'member' });
    const overview = (await api.get('/api/v1/admin/jobs', 200, { as: 'root' })).json();
    expect(overview).toMatchObject({ waiting: 0, running: 0, failed: 1 });
    expect(overview.items).toHaveLength(1);
    const [job] = overview.items;
    expect(job).toMatchObject({ fileId: broken!.id, step: 'describe', status: 'failed', attempts: 2 });
    expect(job.lastError).toEqual(expect.any(String));
    await api.get('/api/v1/admin/jobs?status=done', 400, { as: 'root' });

    await api.post('/api/v1/admin/jobs/retry', 403, { as: 'member', body: {} });
    await api.post('/api/v1/admin/jobs/retry', 400, { as: 'root', body: { ids: ['not-a-uuid'] } });
    expect((await api.post('/api/v1/admin/jobs/retry', 200, { as: 'root', body: { ids: [job.id] } })).json()).toEqual({ retried: 1 });
    expect((await api.get(`/api/v1/files/${broken!.id}`, 200, { as: 'member' })).json().processing.status).toBe('pending');
    // Poison stays poison: two fresh attempts, then failed again.
    await waitFor('the retried job to fail again', async () => (await api.get('/api/v1/admin/jobs', 200, { as: 'root' })).json().failed === 1);
    const again = (await api.get('/api/v1/admin/jobs?status=failed', 200, { as: 'root' })).json().items[0];
    expect(again.attempts).toBe(2);
    expect((await api.post('/api/v1/admin/jobs/retry', 200, { as: 'root', body: {} })).json()).toEqual({ retried: 1 });

    await t.services.audit.flush();
    const audit = (await api.get('/api/v1/admin/audit?action=admin.', 200, { as: 'root' })).json();
    expect(audit.items.map((event: { action: string }) => event.action)).toEqual(expect.arrayContaining(['admin.jobs_retry', 'admin.jobs_view']));
  });

  it('deletes the job rows with their file', async () => {
    const body = multipart([{ filename: 'short-lived.jpg', content: await fixture('sample.jpg') }]);
    const { id } = (await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: basicOf('member') } })).json().items[0];
    const count = async () => (await t.services.backends.db.selectFrom('jobs').select('id').where('file_id', '=', id).execute()).length;
    expect(await count()).toBe(1);
    await api.delete(`/api/v1/files/${id}`, 204, { as: 'member' });
    expect(await count()).toBe(0);
  });
});
