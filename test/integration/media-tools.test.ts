import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractFrame, probeAv } from '../../src/adapters/media/ffmpeg.js';
import { prepareImage } from '../../src/adapters/faces/prepare-image.js';
import { describeImage } from '../../src/adapters/media/images.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const limits = { maxPixels: 40_000_000 };

/** Niceness of this process's children whose command line mentions `name` (Linux /proc). */
function childNiceness(name: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name: state ppid ... (ppid is the 2nd, nice the 17th).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name)) found.push(Number(fields[16]));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

// A job's time limit or a shutdown fires its AbortSignal: the media tool working for it must stop.
describe('media tools run for background jobs', () => {
  it('ffprobe and ffmpeg are stopped when the signal fires', async () => {
    await expect(probeAv(fixture('sample.mp4'), 'video/mp4', AbortSignal.abort('time limit'))).rejects.toThrow(/ffprobe was stopped: time limit/);
    const controller = new AbortController();
    const frame = extractFrame(fixture('sample.mp4'), 'video/mp4', 0.5, controller.signal);
    controller.abort('shutdown');
    await expect(frame).rejects.toThrow(/ffmpeg was stopped: shutdown/);
    // The same tools still work without a fired signal.
    expect((await probeAv(fixture('sample.mp4'), 'video/mp4', new AbortController().signal)).hasVideo).toBe(true);
  });

  it('the image worker drops a stopped request and then serves the next one', async () => {
    await expect(describeImage(fixture('sample.jpg'), 'image/jpeg', limits, AbortSignal.abort('time limit'))).rejects.toThrow();
    const controller = new AbortController();
    const running = describeImage(fixture('sample.jpg'), 'image/jpeg', limits, controller.signal);
    setTimeout(() => controller.abort('shutdown'), 1);
    await expect(running).rejects.toThrow(/stopped: shutdown/);
    const facts = await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    expect(facts.width).toBeGreaterThan(0);
    expect(facts.thumbnail.length).toBeGreaterThan(0);
  });

  it('the image worker runs at a lower priority than the server', async () => {
    await describeImage(fixture('sample.jpg'), 'image/jpeg', limits);
    expect(childNiceness('image-worker')).toEqual([10]);
  });

  it('photos for the face detector are decoded in the image worker: this process never loads libvips', async () => {
    const pixels = await prepareImage(readFileSync(fixture('sample.jpg')));
    expect(pixels.width).toBeGreaterThan(0);
    expect(pixels.data.length).toBe(pixels.width * pixels.height * 3);
    expect(readFileSync('/proc/self/maps', 'utf8')).not.toMatch(/libvips/);
    await expect(prepareImage(Buffer.alloc(0))).rejects.toThrow(/empty/);
    await expect(prepareImage(Buffer.from('not an image'))).rejects.toThrow(/not an image/);
  });
});
