import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { freePort, waitForPort } from '../helpers/processes.js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createS3Client, parseS3Url } from '../../src/adapters/storage/s3.js';
import { createTestBucket, hasS3, S3_MISSING, unfinishedUploads, type TestBucket } from '../helpers/s3.js';
import { requireOrSkip } from '../helpers/services.js';

/**
 * A private S3 gateway (a second radosgw on the test Ceph cluster, so the shared one keeps
 * serving the other tests) that this test stops and starts again.
 */
class PrivateGateway {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'coffer-rgw-'));
  constructor(readonly port: number) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['-c', process.env.CEPH_CONF!, '-n', 'client.rgw.a', `--rgw-frontends=beast endpoint=127.0.0.1:${this.port}`, `--pid-file=${this.dir}/rgw.pid`, `--admin-socket=${this.dir}/rgw.asok`, `--log-file=${this.dir}/rgw.log`, `--rgw-data=${this.dir}`];
    await new Promise<void>((resolve, reject) => spawn('/usr/bin/radosgw', args, { stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`radosgw exited ${code}`)))));
    await waitForPort(this.port, 20_000);
  }

  private get pid(): number | undefined {
    const pidFile = `${this.dir}/rgw.pid`;
    return existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined;
  }

  /**
   * A stall: the process is frozen (SIGSTOP), so connections are still accepted by the
   * kernel and requests are sent, but nothing answers, like a gateway stuck on its disks.
   */
  pause(): void {
    if (this.pid) process.kill(this.pid, 'SIGSTOP');
  }

  resume(): void {
    if (this.pid) process.kill(this.pid, 'SIGCONT');
  }

  /** Stops it by the PID it wrote, and waits until the port is closed. */
  async stop(): Promise<void> {
    const pidFile = `${this.dir}/rgw.pid`;
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    for (let i = 0; i < 100; i += 1) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        break;
      }
    }
    rmSync(pidFile, { force: true });
  }

  async dispose(): Promise<void> {
    this.resume();
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('the S3 gateway going away while Coffer runs', () => {
  let bucket: TestBucket | undefined;
  let gateway: PrivateGateway;
  let t: TestApp;
  let user: Account;
  let id: string;

  beforeAll(async () => {
    const ready = hasS3 && Boolean(process.env.CEPH_CONF) && existsSync('/usr/bin/radosgw');
    if (!requireOrSkip(ready, `${S3_MISSING} (with CEPH_CONF from s3.env, and radosgw installed)`)) return;
    bucket = await createTestBucket();
    gateway = new PrivateGateway(await freePort());
    await gateway.start();
    t = await createTestApp({
      STORAGE_URL: bucket!.url.replace(/endpoint=[^&]+/, `endpoint=${encodeURIComponent(gateway.endpoint)}`),
      // Short bounds so a stall is over quickly in the test; the defaults are 5 s and 15 s.
      S3_REQUEST_TIMEOUT_SECONDS: '2',
      S3_IDLE_TIMEOUT_SECONDS: '3',
    });
    user = await signUp(t.app, 'storagefault');
    const body = multipart([{ filename: 'before.jpg', content: await fixture('sample.jpg') }]);
    id = (await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: user.basic } })).json().items[0].id;
  });
  afterAll(async () => {
    await t?.close();
    await gateway?.dispose();
    await bucket?.cleanup();
  });

  it('answers 503 quickly, stores nothing half-way, and recovers by itself', async () => {
    if (!bucket) return;
    await t.services.backends.jobs.idle();
    await gateway.stop();

    const started = Date.now();
    const read = await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: { authorization: user.basic } });
    expect(read.statusCode).toBe(503);
    expect(read.json().code).toBe('unavailable');
    const body = multipart([{ filename: 'during.jpg', content: await fixture('sample.jpg') }]);
    const write = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: user.basic } });
    expect(write.statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(15_000);
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().down).toEqual(['storage']);
    const listed = (await t.app.inject({ url: '/api/v1/files', headers: { authorization: user.basic } })).json().items;
    expect(listed.map((f: { name: string }) => f.name)).toEqual(['before.jpg']);

    await gateway.start();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await t.app.inject({ url: '/readyz' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(200);
    expect((await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: { authorization: user.basic } })).statusCode).toBe(200);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: user.basic } });
    expect(again.statusCode).toBe(201);
  });

  it('bounds every request during a stall, and a failed upload leaves nothing in the bucket once the gateway resumes', async () => {
    if (!bucket) return;
    await t.services.backends.jobs.idle();
    const stored = await bucketContents(bucket.url);
    gateway.pause();
    let resumed = false;
    try {
      let started = Date.now();
      const read = await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: { authorization: user.basic } });
      expect(read.statusCode).toBe(503);
      expect(read.json().code).toBe('unavailable');
      expect(Date.now() - started, 'a download waits the request timeout (2 s), not the stall').toBeLessThan(6_000);

      started = Date.now();
      const body = multipart([{ filename: 'stalled.jpg', content: await fixture('sample.jpg') }]);
      const write = await t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: user.basic } });
      expect(write.statusCode).toBe(503);
      expect(write.json().code).toBe('unavailable');
      expect(Date.now() - started, 'an upload waits the idle timeout (3 s), not the stall').toBeLessThan(9_000);

      const ready = await t.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().down).toEqual(['storage']);
      // Listing needs only the database.
      const listed = await t.app.inject({ url: '/api/v1/files', headers: { authorization: user.basic } });
      expect(listed.json().items.map((f: { name: string }) => f.name)).not.toContain('stalled.jpg');

      gateway.resume();
      resumed = true;
      expect((await t.app.inject({ url: `/api/v1/files/${id}/content`, headers: { authorization: user.basic } })).statusCode).toBe(200);
      // Whatever the gateway still held completes now; Coffer removes it again shortly after.
      await new Promise((r) => setTimeout(r, 8_000));
      expect(await bucketContents(bucket.url), 'no object of the failed upload is left in the bucket').toEqual(stored);
      const location = parseS3Url(bucket.url);
      const client = createS3Client(location);
      try {
        expect(await unfinishedUploads(client, location.bucket)).toEqual([]);
      } finally {
        client.destroy();
      }
    } finally {
      if (!resumed) gateway.resume();
    }
  });
});

/** Every key in the bucket, read through the shared gateway with the SDK. */
async function bucketContents(url: string): Promise<string[]> {
  const location = parseS3Url(url);
  const client = createS3Client(location);
  try {
    const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: location.bucket }));
    return Contents.map((object) => object.Key ?? '').sort();
  } finally {
    client.destroy();
  }
}
