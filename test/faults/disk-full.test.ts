import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConsistency } from '../../src/features/maintenance/fsck.service.js';
import { createTestApp, fixture, multipart, signUp, type Account, type TestApp } from '../helpers/app.js';
import { signUpAdmin } from '../helpers/fixtures.js';
import { requireOrSkip } from '../helpers/services.js';

const MiB = 1024 * 1024;

/** A real, small filesystem (tmpfs of 50 MB), so "full" is the kernel's ENOSPC, not a stub. */
function mountSmallFilesystem(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a 50 MB tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=50m,mode=0700', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount -t tmpfs failed (${(error as Error).message.trim()})`;
  }
}

describe('the blob folder filling up', () => {
  const mountPoint = mkdtempSync(path.join(os.tmpdir(), 'coffer-full-'));
  let mounted = false;
  let t: TestApp;
  let admin: Account;
  let user: Account;
  let photo: Buffer;

  beforeAll(async () => {
    const problem = mountSmallFilesystem(mountPoint);
    if (!requireOrSkip(problem === undefined, `${problem ?? ''}: the full-disk test needs a real small filesystem`)) return;
    mounted = true;
    t = await createTestApp({ STORAGE_URL: `file:${mountPoint}/blobs`, STORAGE_LOW_BYTES: '20M' });
    admin = await signUpAdmin(t, 'fulladmin');
    user = await signUp(t.app, 'filler');
    // A JPEG by its first bytes, 8 MiB long: six of them nearly fill the filesystem.
    photo = Buffer.concat([await fixture('sample.jpg'), Buffer.alloc(8 * MiB)]);
  });
  afterAll(async () => {
    await t?.close();
    if (mounted) execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const upload = (name: string) => {
    const body = multipart([{ filename: name, content: photo }]);
    return t.app.inject({ method: 'POST', url: '/api/v1/files', payload: body.payload, headers: { ...body.headers, authorization: user.basic } });
  };
  const status = async () => (await t.app.inject({ url: '/api/v1/admin/status', headers: { authorization: admin.basic } })).json();

  it('answers 507 insufficient_storage, orphans nothing, warns when low, and works again after deleting files', async () => {
    if (!mounted) return;
    const before = await status();
    expect(before.storage).toMatchObject({ low: false });
    expect(before.storage.totalBytes).toBeGreaterThan(45 * MiB);
    expect(before.storage.totalBytes).toBeLessThanOrEqual(50 * MiB);
    expect((await t.app.inject({ url: '/api/v1/admin/status', headers: { authorization: user.basic } })).statusCode).toBe(403);
    const readyBefore = (await t.app.inject({ url: '/readyz' })).json();
    expect(readyBefore).toMatchObject({ status: 'ready', storage: { low: false } });
    expect(readyBefore.warnings).toBeUndefined();

    const stored: string[] = [];
    let refused: Awaited<ReturnType<typeof upload>> | undefined;
    for (let i = 0; i < 10 && !refused; i += 1) {
      const started = Date.now();
      const response = await upload(`photo-${i}.jpg`);
      expect(Date.now() - started, 'an upload on a full disk never hangs').toBeLessThan(10_000);
      if (response.statusCode === 201) stored.push(response.json().items[0].id);
      else refused = response;
    }
    expect(stored.length).toBeGreaterThanOrEqual(3);
    expect(refused?.statusCode).toBe(507);
    expect(refused?.json()).toEqual({ error: expect.stringContaining('no room'), code: 'insufficient_storage' });

    await t.services.backends.jobs.idle();
    const full = await status();
    expect(full.storage.low).toBe(true);
    expect(full.storage.freeBytes).toBeLessThan(20 * MiB);
    const readyFull = await t.app.inject({ url: '/readyz' });
    expect(readyFull.statusCode, 'a full disk still serves downloads: ready, with a warning').toBe(200);
    expect(readyFull.json().warnings).toEqual([expect.stringContaining('Storage is low')]);

    // Nothing half-stored: no orphan blob, no file without bytes, no temporary file left.
    expect(await checkConsistency(t.services.backends.db, t.services.backends.blobs, { repair: false, minAgeMs: 0 })).toMatchObject({ orphans: [], recentOrphans: [], missing: [] });
    expect(readdirSync(path.join(mountPoint, 'blobs', 'tmp'))).toEqual([]);
    const listed = (await t.app.inject({ url: '/api/v1/files?limit=50', headers: { authorization: user.basic } })).json().items;
    expect(listed.map((f: { id: string }) => f.id).sort()).toEqual([...stored].sort());

    for (const id of stored.slice(0, 2)) {
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/files/${id}`, headers: { authorization: user.basic } })).statusCode).toBe(204);
    }
    expect((await upload('after-cleanup.jpg')).statusCode).toBe(201);
  });
});
