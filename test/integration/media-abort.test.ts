import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractFrame, probeAv } from '../../src/adapters/media/ffmpeg.js';
import { describeImage } from '../../src/adapters/media/images.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const limits = { maxPixels: 40_000_000 };

// A job's time limit or a shutdown fires its AbortSignal: the media tool working for it must stop.
describe('media tools under a job signal', () => {
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
});
