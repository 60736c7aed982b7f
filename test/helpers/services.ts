import { existsSync } from 'node:fs';

/**
 * A test that needs an outside program or service runs only when it is there. Locally a
 * missing one skips with `message`; in CI (REQUIRE_SERVICES=1) it fails instead, so a
 * broken install can never turn into a quietly green run.
 */
export function requireOrSkip(available: boolean, message: string): boolean {
  if (available) return true;
  if (process.env.REQUIRE_SERVICES === '1') throw new Error(`REQUIRE_SERVICES=1 but ${message}`);
  console.warn(`skipped: ${message}`);
  return false;
}

export const hasFfmpeg = existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');
export const FFMPEG_MISSING = 'ffmpeg/ffprobe are not installed (apt-get install ffmpeg)';
