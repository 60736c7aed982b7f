import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { requireOrSkip } from './services.js';

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

/** The parts of an HTMLMediaElement used here (the tests' tsconfig has no DOM library). */
interface MediaElement {
  currentTime: number;
  muted: boolean;
  play(): Promise<void>;
  pause(): void;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
}

/**
 * Plays a <video>/<audio> muted for 0.8 s, then seeks to `seconds`: how far playback
 * advanced, and where the `seeked` event landed (a seek needs Range support end to end).
 */
export async function playAndSeek(media: Locator, seconds: number): Promise<{ advanced: number; position: number }> {
  const advanced = await media.evaluate(async (element) => {
    const player = element as unknown as MediaElement;
    player.muted = true;
    await player.play();
    const start = player.currentTime;
    await new Promise((resolve) => setTimeout(resolve, 800));
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
