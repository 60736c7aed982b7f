// The library as a timeline, in a real Chromium against a real Coffer: thumbnails arrive over
// the event stream (no polling), photos whose EXIF dates differ fall under year and month
// headings with the server's counts and day sub-headings, the month scrubber jumps, the sort
// survives a reload, the viewer shows the camera and the date taken, a second upload of the
// same bytes is reported in the upload panel and listed under Duplicates, and deleting copies
// there (one, or all but the one kept) makes the group go; a file sent by an API client shows
// up in the open library when its first step ends.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsCanRun, createUserFromCli, ensureWebBuilt, eventually, launchChromium, openPage } from '../helpers/browser.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { photo } from '../helpers/media-fixtures.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const canRun = browserTestsCanRun();
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface ListedFile {
  id: string;
  name: string;
  processing?: { status: string };
}

describe.skipIf(!canRun)('the library timeline in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let mediaDir: string;
  const pageErrors: string[] = [];
  const user = { username: 'tess', email: 'tess@example.com', password: 'a timeline passphrase' };
  const file = (name: string) => path.join(mediaDir, name);
  const tile = (name: string) => page.locator(`[data-testid="gallery-tile"][data-name="${name}"]`);
  // What the page asked for: list pages (with what they said) and single-file reads.
  const listAnswers: Array<{ at: number; items: ListedFile[] }> = [];
  const listRequests: number[] = [];
  const fileRequests: string[] = [];
  let eventStreams = 0;

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-timeline-media-'));
    writeFileSync(file('march13.jpg'), await photo({ taken: '2021:03:13 10:00:00', variant: 1 }));
    writeFileSync(file('march20.jpg'), await photo({ taken: '2021:03:20 18:30:00', variant: 2 }));
    writeFileSync(file('july2019.jpg'), await photo({ taken: '2019:07:04 09:15:00', variant: 3 }));
    // A second month of 2021: the year's heading counts both months.
    writeFileSync(file('oct2021.jpg'), await photo({ taken: '2021:10:02 08:00:00', variant: 4 }));
    // Large and noisy, without EXIF: its thumbnail takes a while, so the list sees it pending.
    const noise = { width: 6000, height: 4000, channels: 3 as const, background: '#808080', noise: { type: 'gaussian' as const, mean: 128, sigma: 40 } };
    writeFileSync(file('big.jpg'), await sharp({ create: noise }).jpeg({ quality: 90 }).toBuffer());
    mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
    await ensureWebBuilt();
    server = await startLiveServer();
    createUserFromCli(server, user);
    browser = await launchChromium();
    page = await openPage(browser, pageErrors, { viewport: { width: 1280, height: 900 }, timezoneId: 'UTC' });
    page.on('request', (request) => {
      if (request.method() !== 'GET') return;
      const { pathname } = new URL(request.url());
      if (pathname === '/api/v1/files') listRequests.push(Date.now());
      if (new RegExp(`^/api/v1/files/${UUID}$`).test(pathname)) fileRequests.push(pathname);
      if (pathname === '/api/v1/events') eventStreams += 1;
    });
    page.on('response', async (response) => {
      if (response.request().method() !== 'GET' || new URL(response.url()).pathname !== '/api/v1/files' || !response.ok()) return;
      // A page reloaded before its body was read leaves nothing to read: that answer is moot.
      const body = (await response.json().catch(() => null)) as { items: ListedFile[] } | null;
      if (body) listAnswers.push({ at: Date.now(), items: body.items });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  it('shows thumbnails as their steps end, told by the event stream rather than by polling', async () => {
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill(user.username);
    await page.getByTestId('login-password').fill(user.password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
    await eventually(() => eventStreams).toBe(1);

    // No date in it, so its steps move it nowhere: the list has no reason to be read again.
    await page.getByTestId('upload-input').setInputFiles([file('big.jpg')]);
    await eventually(() => page.locator('[data-testid="upload-item"][data-status="done"]').count(), 60_000).toBe(1);
    await eventually(() => tile('big.jpg').getAttribute('data-processing'), 60_000).toBe('done');
    await tile('big.jpg').getByTestId('tile-thumbnail').waitFor();
    // The last list the page read had it pending: what made it done was an event.
    const last = listAnswers.at(-1);
    expect(last?.items.find((item) => item.name === 'big.jpg')?.processing?.status).toBe('pending');
    expect(listRequests.filter((at) => at > last!.at)).toEqual([]);
    expect(fileRequests).toEqual([]);
    expect(eventStreams).toBe(1);
  });

  it('moves photos to their month once their EXIF dates are read', async () => {
    await page.getByTestId('upload-input').setInputFiles(['march13.jpg', 'march20.jpg', 'july2019.jpg', 'oct2021.jpg'].map(file));
    await eventually(() => page.locator('[data-testid="upload-item"][data-status="done"]').count(), 60_000).toBe(5);
    for (const name of ['march13.jpg', 'march20.jpg', 'july2019.jpg', 'oct2021.jpg']) {
      await eventually(() => tile(name).getAttribute('data-processing'), 60_000).toBe('done');
      await tile(name).getByTestId('tile-thumbnail').waitFor();
    }
    expect(fileRequests).toEqual([]);
  });

  it('groups by year and month taken with the server\'s counts, with day sub-headings, and jumps to a month', async () => {
    const years = page.getByTestId('year-heading');
    const months = page.getByTestId('month-heading');
    // big.jpg has no date in it: it sits under its upload's month and year.
    const uploaded = new Date().toISOString().slice(0, 4);
    await eventually(() => months.allInnerTexts()).toEqual([expect.stringMatching(/ · 1$/), 'October 2021 · 1', 'March 2021 · 2', 'July 2019 · 1']);
    expect(await years.allInnerTexts()).toEqual([`${uploaded} · 1`, '2021 · 3', '2019 · 1']);
    // Each year's months are under its heading, in order.
    const year2021 = page.locator('[data-testid="timeline-year"][data-year="2021"]');
    expect(await year2021.getByTestId('month-heading').allInnerTexts()).toEqual(['October 2021 · 1', 'March 2021 · 2']);
    expect(await page.locator('[data-testid="timeline-year"][data-year="2019"]').getByTestId('month-heading').allInnerTexts()).toEqual(['July 2019 · 1']);
    const march = page.locator('[data-testid="timeline-month"][data-month="2021-03"]');
    expect(await march.getByTestId('day-heading').allInnerTexts()).toEqual(['Sat, March 20', 'Sat, March 13']);
    expect(await march.getByTestId('gallery-tile').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')))).toEqual(['march20.jpg', 'march13.jpg']);

    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'library-timeline.png') });

    await page.locator('[data-testid="scrubber-month"][data-month="2021-03"]').click();
    await page.waitForURL(/month=2021-03/);
    await eventually(() => months.allInnerTexts()).toEqual(['March 2021 · 2', 'July 2019 · 1']);
    // The year still counts its months above the jump: the count is the server's, not the page's.
    expect(await years.allInnerTexts()).toEqual(['2021 · 3', '2019 · 1']);
    await page.getByRole('button', { name: 'Latest' }).click();
    await eventually(() => months.count()).toBe(4);
    expect(await years.count()).toBe(3);
  });

  it('keeps the sort in the address across a reload', async () => {
    await page.getByTestId('library-sort').selectOption('name');
    await page.getByTestId('library-order').selectOption('asc');
    await page.waitForURL(/sort=name/);
    expect(new URL(page.url()).searchParams.get('order')).toBe('asc');
    await page.reload();
    await eventually(() => page.getByTestId('gallery-tile').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')))).toEqual([
      'big.jpg',
      'july2019.jpg',
      'march13.jpg',
      'march20.jpg',
      'oct2021.jpg',
    ]);
    expect(await page.getByTestId('library-sort').inputValue()).toBe('name');
    expect(await page.getByTestId('library-order').inputValue()).toBe('asc');
    expect(await page.getByTestId('month-heading').count()).toBe(0);
  });

  it('shows the camera, exposure and the date taken from EXIF in the viewer', async () => {
    await tile('march13.jpg').click();
    await page.getByTestId('viewer-camera').waitFor();
    expect(await page.getByTestId('viewer-camera').innerText()).toContain('Canon EOS R5');
    expect(await page.getByTestId('viewer-lens').innerText()).toContain('RF50mm F1.8 STM');
    const exposure = await page.getByTestId('viewer-exposure').innerText();
    for (const part of ['1/250 s', 'ƒ/2.8', 'ISO 400', '50 mm']) expect(exposure).toContain(part);
    expect(await page.getByTestId('viewer-taken-source').getAttribute('data-source')).toBe('exif');
    expect(await page.getByTestId('viewer-taken').innerText()).toMatch(/2021/);
    expect(await page.getByTestId('viewer-taken').innerText()).toMatch(/10:00/);
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'viewer-exif.png') });
    await page.keyboard.press('Escape');
    await page.waitForURL((url) => url.pathname === '/');
  });

  it('reports a second upload of the same bytes and lists the pair under Duplicates', async () => {
    const copy = file('march13-copy.jpg');
    execFileSync('cp', [file('march13.jpg'), copy]);
    const original = listAnswers.flatMap((answer) => answer.items).find((item) => item.name === 'march13.jpg')!;
    await page.getByTestId('upload-input').setInputFiles([copy]);
    const notice = page.getByTestId('upload-duplicate');
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.innerText()).toContain('Already in your library.');
    await page.getByTestId('upload-duplicate-link').click();
    await page.waitForURL(`${server.url}/files/${original.id}`);
    await page.getByTestId('viewer-camera').waitFor();
    await page.keyboard.press('Escape');

    await page.goto(`${server.url}/duplicates`);
    const group = page.getByTestId('duplicate-group');
    await eventually(() => group.count()).toBe(1);
    expect(await group.getAttribute('data-count')).toBe('2');
    expect(await group.getByTestId('gallery-tile').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')))).toEqual(['march13.jpg', 'march13-copy.jpg']);
  });

  it('deletes the extra copy from Duplicates after a confirmation, and the group goes', async () => {
    const group = page.getByTestId('duplicate-group');
    const copy = page.locator('[data-testid="duplicate-file"][data-name="march13-copy.jpg"]');
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'duplicates.png') });
    // Cancelling keeps both.
    await copy.getByTestId('duplicate-delete').click();
    await page.getByRole('dialog').waitFor();
    expect(await page.getByRole('dialog').innerText()).toContain('“march13-copy.jpg” will be deleted for good.');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(await group.getAttribute('data-count')).toBe('2');

    await copy.getByTestId('duplicate-delete').click();
    await page.getByTestId('duplicates-confirm').click();
    await page.getByTestId('duplicates-notice').waitFor();
    expect(await page.getByTestId('duplicates-notice').innerText()).toBe('One copy deleted.');
    await eventually(() => group.count()).toBe(0);
    await page.getByText('No duplicates').waitFor();
    // The original is the one left, in the library and on the server.
    const left = await page.request.get(`${server.url}/api/v1/files?limit=100`);
    expect(((await left.json()) as { items: ListedFile[] }).items.map((item) => item.name).sort()).toEqual(['big.jpg', 'july2019.jpg', 'march13.jpg', 'march20.jpg', 'oct2021.jpg']);
  });

  it('keeps one of three copies and deletes the other two in one go', async () => {
    for (const name of ['july-a.jpg', 'july-b.jpg']) execFileSync('cp', [file('july2019.jpg'), file(name)]);
    await page.goto(`${server.url}/`);
    await page.getByTestId('upload-input').setInputFiles([file('july-a.jpg'), file('july-b.jpg')]);
    await eventually(() => page.getByTestId('upload-duplicate').count(), 30_000).toBe(2);

    await page.goto(`${server.url}/duplicates`);
    const group = page.getByTestId('duplicate-group');
    await eventually(() => group.getAttribute('data-count')).toBe('3');
    // Keep the last copy, not the original: whichever is kept, the others go.
    await page.locator('[data-testid="duplicate-file"][data-name="july-b.jpg"]').getByTestId('duplicate-keep').click();
    expect(await page.getByRole('dialog').innerText()).toContain('The 2 other copies of “july-b.jpg” will be deleted for good.');
    await page.getByTestId('duplicates-confirm').click();
    await eventually(() => group.count()).toBe(0);
    expect(await page.getByTestId('duplicates-notice').innerText()).toBe('2 copies deleted.');
    const left = await page.request.get(`${server.url}/api/v1/files?limit=100`);
    const names = ((await left.json()) as { items: ListedFile[] }).items.map((item) => item.name);
    expect(names.filter((name) => name.startsWith('july'))).toEqual(['july-b.jpg']);
  });

  it('shows a file sent from elsewhere (an API client) once its first step ends, without a reload', async () => {
    await page.goto(`${server.url}/`);
    await tile('march20.jpg').waitFor();
    const form = new FormData();
    form.append('file', new Blob([await photo({ taken: '2022:05:01 12:00:00', variant: 5 })], { type: 'image/jpeg' }), 'from-phone.jpg');
    const sent = await fetch(`${server.url}/api/v1/files`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`, Accept: 'application/json' },
      body: form,
    });
    expect(sent.status, await sent.text()).toBe(201);
    await tile('from-phone.jpg').getByTestId('tile-thumbnail').waitFor({ timeout: 30_000 });
    // Its month came with it: the counts were read again too.
    await eventually(() => page.getByTestId('month-heading').allInnerTexts()).toContain('May 2022 · 1');
  });

  it('ran without script errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
