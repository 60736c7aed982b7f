import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import { beforeEach, expect, onTestFailed } from 'vitest';
import type { LiveServer } from './live-server.js';
import { requireOrSkip } from './services.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export const CHROMIUM = '/usr/bin/chromium';
export const FFMPEG = '/usr/bin/ffmpeg';

/**
 * Whether the browser tests can run: they need Chromium, and ffmpeg for their media. Under
 * REQUIRE_SERVICES=1 a missing program fails the run instead of skipping it.
 */
export function browserTestsCanRun(): boolean {
  const missing = [CHROMIUM, FFMPEG].filter((program) => !existsSync(program));
  return requireOrSkip(missing.length === 0, `the browser test needs ${missing.join(' and ')} (apt-get install chromium ffmpeg)`);
}

/**
 * Debian's Chromium, headless. The network flags keep it from calling home: this machine
 * reaches no outside host, and refused background connections only slow it down.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** How long a browser test waits for something the page does on its own (a busy machine is slow). */
export const EVENTUALLY_MS = 15_000;

/**
 * `expect.poll` with a timeout fit for a real browser against a real server: Vitest's own
 * default (1 s) fails when the machine is busy, although nothing is wrong.
 */
export function eventually<T>(probe: () => T | Promise<T>, timeout = EVENTUALLY_MS) {
  return expect.poll(probe, { timeout, interval: 50 });
}

/** Before a screenshot: the page's fonts are loaded and a frame was painted (a condition, not a sleep). */
export async function settled(page: Page): Promise<void> {
  await page.evaluate('document.fonts.ready.then(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))');
}

/** The parts of an HTMLMediaElement used here (the tests' tsconfig has no DOM library). */
interface MediaElement {
  currentTime: number;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: string, listener: () => void): void;
}

/**
 * Plays a <video>/<audio> muted until it has advanced by half a second (or 10 s passed), then
 * seeks to `seconds`: how far playback advanced, and where the `seeked` event landed (a seek
 * needs Range support end to end).
 */
export async function playAndSeek(media: Locator, seconds: number): Promise<{ advanced: number; position: number }> {
  const advanced = await media.evaluate(async (element) => {
    const player = element as unknown as MediaElement;
    player.muted = true;
    await player.play();
    const start = player.currentTime;
    // Waits on the player's own progress, so a slow machine is not mistaken for a broken player.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      const check = () => {
        if (player.currentTime - start < 0.5) return;
        clearTimeout(timer);
        player.removeEventListener('timeupdate', check);
        resolve();
      };
      player.addEventListener('timeupdate', check);
    });
    return player.currentTime - start;
  });
  const position = await media.evaluate(
    (element, target) =>
      new Promise<number>((resolve, reject) => {
        const player = element as unknown as MediaElement;
        player.pause();
        const timer = setTimeout(() => reject(new Error('no "seeked" event within 5 s')), 5_000);
        player.addEventListener('seeked', () => {
          clearTimeout(timer);
          resolve(player.currentTime);
        }, { once: true });
        player.currentTime = target;
      }),
    seconds,
  );
  return { advanced, position };
}

/**
 * Picks files in the library's upload input and waits until each has left the upload panel's
 * "uploading" state: fails, with what the panel says, unless every one was stored.
 */
export async function uploadFiles(page: Page, files: string[], timeout = 60_000): Promise<void> {
  await page.getByTestId('upload-input').setInputFiles(files);
  const names = files.map((file) => file.split('/').at(-1)!);
  const panel = () =>
    page.evaluate<{ name: string; status: string; line: string }[]>(`[...document.querySelectorAll('[data-testid="upload-item"]')].map((item) => ({
      name: item.querySelector('.upload-item-name')?.textContent ?? '',
      status: item.dataset.status,
      line: item.textContent,
    }))`);
  // The files still uploading (or not in the panel at all), with what their rows say: a timeout shows them.
  const unfinished = async () => {
    const items = await panel();
    return names.flatMap((name) => {
      const item = items.find((candidate) => candidate.name === name);
      if (!item) return [`${name}: not in the panel`];
      return item.status === 'uploading' ? [`${name}: ${item.line}`] : [];
    });
  };
  await eventually(unfinished, timeout).toEqual([]);
  const items = (await panel()).filter((item) => names.includes(item.name));
  expect(items.filter((item) => item.status !== 'done').map((item) => `${item.name}: ${item.line}`)).toEqual([]);
}

/**
 * For the describe block it is called in: a failed test prints the last lines of the live
 * server's log, so a run that failed in CI says what the server was doing.
 */
export function printServerLogOnFailure(server: () => LiveServer | undefined, lines = 40): void {
  beforeEach(() => {
    onTestFailed(() => {
      const log = server()?.log();
      if (log) console.log(`--- the server's last ${lines} log lines\n${log.trimEnd().split('\n').slice(-lines).join('\n')}`);
    });
  });
}

/** The web app in dist/web, which the live server serves: built here when a checkout has none yet. */
export async function ensureWebBuilt(): Promise<void> {
  if (existsSync(path.join(ROOT, 'dist/web/index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), logLevel: 'warn' });
}

/** Creates an account with `coffer user create`, as a real installation makes its first administrator. */
export function createUserFromCli(server: LiveServer, person: { username: string; email: string; password: string }, options: { admin?: boolean } = {}): void {
  execFileSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'user', 'create', '--username', person.username, '--email', person.email, ...(options.admin ? ['--admin'] : []), '--password-stdin'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: server.dataDir },
    input: `${person.password}\n`,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** A page in a fresh context: English, a timeout fit for a busy machine, its script errors collected in `errors`. */
export async function openPage(browser: Browser, errors: string[], options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', ...options });
  context.setDefaultTimeout(EVENTUALLY_MS);
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  return page;
}
