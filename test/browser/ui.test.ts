// The web UI end to end in a real Chromium against a real Coffer process: register, sign
// out and in, upload an image, an MP3 and an MP4 with per-file progress, play and seek the
// video, switch language, sign out. Screenshots land in test-artifacts/ for a human look.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';
import { browserTestsCanRun, ensureWebBuilt, eventually, FFMPEG, launchChromium, openPage, playAndSeek, settled } from '../helpers/browser.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const canRun = browserTestsCanRun();

function ffmpeg(...args: string[]): void {
  execFileSync(FFMPEG, ['-v', 'error', '-y', ...args], { stdio: 'pipe' });
}

describe.skipIf(!canRun)('web UI in a real browser', () => {
  let server: LiveServer;
  let browser: Browser;
  let page: Page;
  let mediaDir: string;
  const files = { image: '', audio: '', video: '' };
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  const partialContent: string[] = [];
  const username = `ui${Date.now().toString(36)}`;
  const password = 'correct horse battery staple';

  beforeAll(async () => {
    mediaDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-ui-media-'));
    files.image = path.join(mediaDir, 'harbour.png');
    files.audio = path.join(mediaDir, 'tone.mp3');
    files.video = path.join(mediaDir, 'clip.mp4');
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=640x480', '-frames:v', '1', files.image);
    ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libmp3lame', '-b:a', '64k', files.audio);
    ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', files.video);
    mkdirSync(ARTIFACTS, { recursive: true });

    await ensureWebBuilt();

    server = await startLiveServer();
    browser = await launchChromium();
    page = await openPage(browser, pageErrors);
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() === 206) partialContent.push(response.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  });

  it("does not make the browser open its own sign-in box when signed out", async () => {
    // Browsers answer a 401 carrying `WWW-Authenticate: Basic` (or Digest) by opening a native
    // username/password dialog, even for fetch(); the page then never sees the 401. The UI's
    // calls carry the usual script markers so the server can leave that challenge out.
    const response = await fetch(`${server.url}/api/v1/auth/me`, {
      headers: {
        Accept: 'application/json',
        'X-Requested-With': 'XMLHttpRequest',
        'Sec-Fetch-Mode': 'cors',
        'Sec-Fetch-Site': 'same-origin',
        'Sec-Fetch-Dest': 'empty',
      },
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge, `GET /auth/me from the UI answers "WWW-Authenticate: ${challenge}"`).not.toMatch(/^\s*(basic|digest)\b/i);
  });

  it('sends a signed-out visitor to sign in, and registers a new account', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL('**/login');
    await expect(page.getByRole('heading', { name: 'Sign in to Coffer' }).isVisible()).resolves.toBe(true);

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/register');
    await page.getByTestId('register-name').fill('Ana Souza');
    await page.getByTestId('register-username').fill(username);
    await page.getByTestId('register-email').fill(`${username}@example.com`);
    await page.getByTestId('register-password').fill(password);
    await page.getByTestId('register-confirm').fill(password);
    await page.getByTestId('register-submit').click();

    // Registration signs the new user in and opens the (empty) library.
    await page.waitForURL(`${server.url}/`);
    await page.getByText('Your vault is empty').waitFor();
    expect(await page.getByText('Ana Souza').isVisible()).toBe(true);
    // The instance that answered is for administrators only (shown to them in the footer).
    expect(await page.locator('footer').innerText()).not.toMatch(/Instance/);
  });

  it('signs out and signs back in', async () => {
    // Signing out lives in the account menu, opened from the avatar and name.
    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/login');
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
    await page.getByText('Your vault is empty').waitFor();
  });

  it('uploads an image, an MP3 and an MP4, each with its own progress row', async () => {
    await page.getByTestId('upload-input').setInputFiles([files.image, files.audio, files.video]);
    const rows = page.getByTestId('upload-item');
    await eventually(() => rows.count()).toBe(3);
    await expect
      .poll(() => page.locator('[data-testid="upload-item"][data-status="uploading"]').count(), { timeout: 60_000 })
      .toBe(0);
    const outcomes = await rows.evaluateAll((items) => items.map((item) => `${item.getAttribute('data-status')}: ${item.textContent}`));
    expect(outcomes.every((outcome) => outcome.startsWith('done:')), outcomes.join('\n')).toBe(true);

    const tiles = page.getByTestId('gallery-tile');
    await eventually(() => tiles.count()).toBe(3);
    const kinds = await tiles.evaluateAll((items) => items.map((item) => `${item.getAttribute('data-kind')} ${item.getAttribute('data-name')}`));
    expect(kinds.sort()).toEqual(['audio tone.mp3', 'image harbour.png', 'video clip.mp4']);

    // Thumbnails are made in the background, at a lower priority than requests (a busy CI
    // machine starves them for a while); the library picks them up by itself.
    const thumbnail = page.locator('[data-testid="gallery-tile"][data-kind="image"] img');
    await thumbnail.waitFor({ timeout: 60_000 });
    await eventually(() =>
      thumbnail.evaluate((element) => {
        const image = element as unknown as { complete: boolean; naturalWidth: number };
        return image.complete && image.naturalWidth > 0;
      }),
    ).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'gallery.png') });
  }, 150_000);

  it('opens the video, which plays and seeks', async () => {
    await page.locator('[data-testid="gallery-tile"][data-kind="video"]').click();
    await page.waitForURL(/\/files\/[^/]+$/);
    const video = page.getByTestId('viewer-video');
    await video.waitFor();

    const { advanced, position } = await playAndSeek(video, 1.0);
    expect(advanced).toBeGreaterThan(0.2);
    expect(position).toBeCloseTo(1.0, 1);
    // The browser streamed the video with Range requests.
    expect(partialContent.some((url) => url.includes('/content'))).toBe(true);

    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'viewer.png') });

    // Seek with the player's own seek bar: focus is then inside the <video>'s controls, which
    // swallow keys; Escape must still go back to the library, which kept its files.
    const box = (await video.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height - 14);
    await eventually(() => page.evaluate<string>('document.activeElement?.tagName')).toBe('VIDEO');
    await page.keyboard.press('Escape');
    await page.waitForURL(`${server.url}/`);
    expect(await page.getByTestId('gallery-tile').count()).toBe(3);
  });

  it('keeps the kind filter and the search in the address, across a reload', async () => {
    await page.getByRole('button', { name: 'Video' }).click();
    await page.locator('#library-search').fill('clip');
    await eventually(() => new URL(page.url()).search).toBe('?kind=video&q=clip');
    await eventually(() => page.getByTestId('gallery-tile').count()).toBe(1);
    await page.reload();
    await eventually(() => page.getByTestId('gallery-tile').count()).toBe(1);
    expect(await page.locator('#library-search').inputValue()).toBe('clip');
    expect(await page.getByTestId('gallery-tile').getAttribute('data-name')).toBe('clip.mp4');
    // The viewer opened from a filtered grid goes back to that grid.
    await page.getByTestId('gallery-tile').click();
    await page.getByTestId('viewer-video').waitFor();
    await page.getByTestId('viewer-back').click();
    await eventually(() => new URL(page.url()).search).toBe('?kind=video&q=clip');
    await page.goto(`${server.url}/`);
    await eventually(() => page.getByTestId('gallery-tile').count()).toBe(3);
  });

  it('shows a cancelled upload as cancelled, not failed', async () => {
    // Hold the upload request so that it is still running when cancelled.
    await page.route('**/api/v1/files', (route) => (route.request().method() === 'POST' ? undefined : route.fallback()));
    try {
      await page.getByTestId('upload-input').setInputFiles([files.image]);
      const row = page.locator('[data-testid="upload-item"][data-status="uploading"]');
      await row.waitFor();
      await row.getByRole('button', { name: /Cancel upload/ }).click();
      const cancelled = page.locator('[data-testid="upload-item"][data-status="cancelled"]');
      await cancelled.waitFor();
      expect(await cancelled.innerText()).toContain('Cancelled');
      expect(await page.locator('[data-testid="upload-item"][data-status="failed"]').count()).toBe(0);
      await page.screenshot({ path: path.join(ARTIFACTS, 'upload-cancelled.png') });
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
    await page.getByRole('button', { name: 'Close the upload panel' }).click();
  });

  it('says "too large" for a file over the limit, before sending it and when the server answers 413', async () => {
    const posts: string[] = [];
    const onRequest = (request: { method(): string; url(): string }) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/files')) posts.push(request.url());
    };
    page.on('request', onRequest);
    // The server's limit comes with /auth/me; make it smaller than the image.
    await page.route('**/api/v1/auth/me', async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: { ...body, limits: { maxUploadBytes: 1000 } } });
    });
    await page.reload();
    await page.getByTestId('gallery-tile').first().waitFor();
    await page.getByTestId('upload-input').setInputFiles([files.image, files.audio]);
    await eventually(() => page.locator('[data-testid="upload-item"][data-status="failed"]').count()).toBe(2);
    const refused = await page.getByTestId('upload-item').allInnerTexts();
    expect(refused.every((text) => text.includes('Too large')), refused.join('\n')).toBe(true);
    expect(posts).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'upload-too-large.png') });
    await page.getByRole('button', { name: 'Close the upload panel' }).click();
    await page.unrouteAll({ behavior: 'ignoreErrors' });

    // The server's own 413 (its limit may be lower than the one announced) reads the same.
    await page.reload();
    await page.getByTestId('gallery-tile').first().waitFor();
    await page.route('**/api/v1/files', (route) =>
      route.request().method() === 'POST' ? route.fulfill({ status: 413, json: { error: 'The upload is larger than allowed.', code: 'too_large' } }) : route.fallback(),
    );
    await page.getByTestId('upload-input').setInputFiles([files.image]);
    const failed = page.locator('[data-testid="upload-item"][data-status="failed"]');
    await failed.waitFor();
    expect(await failed.innerText()).toContain('Too large');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    page.off('request', onRequest);
    await page.getByRole('button', { name: 'Close the upload panel' }).click();
  });

  it('on a 390 px phone, keeps the arrows off the video and moves between files by swiping', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, locale: 'en-US', storageState: await page.context().storageState() });
    phone.setDefaultTimeout(15_000);
    try {
      const mobile = await phone.newPage();
      mobile.on('pageerror', (error) => pageErrors.push(error.message));
      await mobile.goto(`${server.url}/`);
      await eventually(() => mobile.getByTestId('gallery-tile').count()).toBe(3);
      const names = await mobile.getByTestId('gallery-tile').evaluateAll((items) => items.map((item) => item.getAttribute('data-name')));
      // The video in the middle has a neighbour on each side.
      await mobile.locator('[data-testid="gallery-tile"][data-kind="video"]').click();
      const video = mobile.getByTestId('viewer-video');
      await video.waitFor();
      await eventually(() => video.evaluate((element) => (element as unknown as { readyState: number }).readyState >= 1)).toBe(true);
      const videoBox = (await video.boundingBox())!;
      for (const arrow of ['viewer-previous', 'viewer-next']) {
        const button = mobile.getByTestId(arrow);
        if ((await button.count()) === 0) continue;
        const box = (await button.boundingBox())!;
        const overlaps = box.x < videoBox.x + videoBox.width && box.x + box.width > videoBox.x && box.y < videoBox.y + videoBox.height && box.y + box.height > videoBox.y;
        expect(overlaps, `${arrow} covers the video`).toBe(false);
      }
      await mobile.screenshot({ path: path.join(ARTIFACTS, 'viewer-phone.png') });

      const index = names.indexOf('clip.mp4');
      // A one-finger swipe across the stage, as touch events (a string: the tests have no DOM types).
      const swipe = (fromX: number, toX: number) =>
        mobile.evaluate(`(() => {
          const stage = document.querySelector('[data-testid="viewer-stage"]');
          const touch = (x) => new Touch({ identifier: 1, target: stage, clientX: x, clientY: 120 });
          stage.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(${fromX})], changedTouches: [touch(${fromX})], bubbles: true }));
          stage.dispatchEvent(new TouchEvent('touchend', { touches: [], changedTouches: [touch(${toX})], bubbles: true }));
        })()`);
      const shownName = () => mobile.locator('.viewer-title h1').innerText();
      await eventually(shownName).toBe('clip.mp4');
      if (index < names.length - 1) {
        await swipe(300, 80); // leftwards: the next file
        await eventually(shownName).toBe(names[index + 1]);
        await swipe(80, 300); // rightwards: back
        await eventually(shownName).toBe('clip.mp4');
      } else {
        await swipe(80, 300);
        await eventually(shownName).toBe(names[index - 1]);
      }
    } finally {
      await phone.close();
    }
  });

  it('serves the API documentation without a Content-Security-Policy error', async () => {
    await page.goto(`${server.url}/api/docs`);
    await page.locator('.swagger-ui .info').waitFor();
    await page.goto(`${server.url}/`);
    await page.getByTestId('gallery-tile').first().waitFor();
  });

  it('switches to Brazilian Portuguese and remembers it', async () => {
    await page.getByTestId('lang-switch').selectOption('pt-BR');
    await page.getByRole('heading', { name: 'Biblioteca' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('pt-BR');
    await page.getByTestId('user-menu').click();
    expect(await page.getByTestId('sign-out').innerText()).toBe('Sair');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('sign-out').count()).toBe(0);
  });

  it('signs out to the sign-in page', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').click();
    await page.waitForURL('**/login');
    await page.getByRole('heading', { name: 'Entre no Coffer' }).waitFor();
    // A full load of a UI path goes through the server's index.html fallback, and the
    // language choice survives it.
    const reloaded = await page.reload();
    expect(reloaded?.status(), `GET /login answered ${reloaded?.status()}: ${await reloaded?.text()}`).toBe(200);
    await page.getByRole('heading', { name: 'Entre no Coffer' }).waitFor();
    expect(await page.getByTestId('login-submit').innerText()).toBe('Entrar');
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
