// Background processing as people see it, in a real Chromium against a real Coffer: tiles show
// the server's thumbnail for a video (its poster) with a duration badge, audio carries its
// duration too, a poison file (an MP4 cut inside its index: accepted by its first bytes, but
// ffprobe fails on it) says on its tile and in the viewer that processing failed for good, and
// an administrator finds it in the Jobs tab with its last error and retries it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, eventually, FFMPEG, launchChromium, openPage, settled, uploadFiles } from '../helpers/browser.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun();

function ffmpeg(...args: string[]): void {
  execFileSync(FFMPEG, ['-v', 'error', '-y', ...args], { stdio: 'pipe' });
}

describe.skipIf(!canRun)('background jobs in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let mediaDir: string;
  const files = { video: '', audio: '', broken: '' };
  const pageErrors: string[] = [];
  const root = { username: 'root', email: 'root@example.com', password: 'the administrator passphrase' };
  const tile = (name: string) => page.locator(`[data-testid="gallery-tile"][data-name="${name}"]`);

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-jobs-media-'));
    files.video = path.join(mediaDir, 'poster.mp4');
    files.audio = path.join(mediaDir, 'tone.mp3');
    files.broken = path.join(mediaDir, 'broken.mp4');
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', files.video);
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libmp3lame', '-b:a', '64k', files.audio);
    // Cut inside its index: still an MP4 by its first bytes (the upload accepts it), but ffprobe fails on it.
    writeFileSync(files.broken, readFileSync(path.join(ROOT, 'test/fixtures/sample.mp4')).subarray(0, 2000));
    mkdirSync(ARTIFACTS, { recursive: true });
    await ensureWebBuilt();

    // Two attempts a second apart, so that the poison file fails for good within the test.
    server = await startLiveServer({ env: { JOB_MAX_ATTEMPTS: '2', JOB_RETRY_SECONDS: '1', JOBS_SWEEP_SECONDS: '1' } });
    createUserFromCli(server, root, { admin: true });
    browser = await launchChromium();
    page = await openPage(browser, pageErrors);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  it('shows the video poster with a duration badge, audio with its duration, and the poison file as failed', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(root.username);
    await page.getByTestId('login-password').fill(root.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);

    await uploadFiles(page, [files.video, files.audio, files.broken]);

    // The poster arrives in the background; the tile shows it as an image, not a camera icon.
    const poster = tile('poster.mp4').getByTestId('tile-thumbnail');
    await poster.waitFor({ timeout: 60_000 });
    await eventually(() =>
      poster.evaluate((element) => {
        const image = element as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      }),
    ).toBe(true);
    expect(await tile('poster.mp4').getByTestId('tile-duration').innerText()).toBe('0:03');
    await eventually(() => tile('tone.mp3').getByTestId('tile-duration').count(), 60_000).toBe(1);
    expect(await tile('tone.mp3').getByTestId('tile-duration').innerText()).toBe('0:02');

    // Two attempts, then failed for good: the tile says so in words.
    await tile('broken.mp4').getByTestId('tile-failed').waitFor({ timeout: 60_000 });
    expect(await tile('broken.mp4').getAttribute('data-processing')).toBe('failed');
    expect(await tile('broken.mp4').getByTestId('tile-failed').innerText()).toBe('Processing failed');
    expect(await tile('poster.mp4').getAttribute('data-processing')).toBe('done');
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'gallery-processing.png') });

    await tile('broken.mp4').click();
    const processing = page.getByTestId('viewer-processing');
    await processing.waitFor();
    expect(await processing.getAttribute('data-status')).toBe('failed');
    expect(await processing.innerText()).toContain('Failed for good: thumbnail and details.');
    await page.keyboard.press('Escape');
    await page.waitForURL(`${server.url}/`);
  });

  it('lists the failed job for an administrator with its last error, and retries it', async () => {
    await page.goto(`${server.url}/admin/jobs`);
    const jobs = page.getByTestId('jobs-admin');
    await jobs.waitFor();
    await eventually(() => page.getByTestId('jobs-failed').innerText()).toBe('1');
    const row = page.locator('[data-testid="job-row"][data-status="failed"]');
    expect(await row.count()).toBe(1);
    expect(await row.getByTestId('job-attempts').innerText()).toBe('2');
    expect((await row.getByTestId('job-error').innerText()).trim()).not.toBe('');
    expect(await row.innerText()).toContain('thumbnail and details');
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-jobs.png') });

    // Retry the one job: it is queued again with fresh attempts, runs twice more and, being
    // poison, fails for good again; the tab follows it by itself while the queue is busy.
    await row.getByTestId('job-retry').click();
    await page.getByTestId('jobs-notice').waitFor();
    expect(await page.getByTestId('jobs-notice').innerText()).toBe('One job queued again.');
    await eventually(async () => [await page.getByTestId('jobs-failed').innerText(), await row.count()], 60_000).toEqual(['1', 1]);
    expect(await row.getByTestId('job-attempts').innerText()).toBe('2');

    // Retry all: the same one job, again.
    await page.getByTestId('jobs-retry-all').click();
    await eventually(() => page.getByTestId('jobs-notice').innerText()).toBe('One job queued again.');
    // The counter and the list refresh apart while the job runs again: wait for both to agree.
    await eventually(async () => [await page.getByTestId('jobs-failed').innerText(), await row.count()], 60_000).toEqual(['1', 1]);
  });

  it('speaks Brazilian Portuguese in the Jobs tab', async () => {
    await page.getByTestId('lang-switch').selectOption('pt-BR');
    await page.getByTestId('admin-tab-jobs').getByText('Tarefas').waitFor();
    expect(await page.locator('[data-testid="job-row"][data-status="failed"]').innerText()).toContain('miniatura e detalhes');
    expect(await page.getByTestId('jobs-retry-all').innerText()).toBe('Tentar de novo todas com falha');
    await page.getByTestId('lang-switch').selectOption('en');
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
