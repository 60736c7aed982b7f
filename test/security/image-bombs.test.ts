import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/app.js';
import sharp from 'sharp';
import { avifGridBomb, uniformGif, uniformPng } from '../helpers/bombs.js';
import { startLiveServer, type LiveServer } from '../helpers/live-server.js';

/**
 * Issue 8 item 3: a 182 KB GIF and a 3.8 KB AVIF, both 16383², took the server to 1.3 and
 * 4.8 GiB. A real server process runs here; while it works on each bomb, its memory and its
 * child processes' (the image worker) are sampled from /proc. Bombs are stored (the vault
 * keeps what it is given) but never decoded: no thumbnail. A normal image still gets one.
 */

interface StoredFile {
  width?: number;
  urls: { thumbnail?: string };
  processing?: { status: 'pending' | 'done' | 'failed'; failedSteps: string[] };
}

const MB = 1_000_000;
const PEAK_LIMIT = 400 * MB;

/** Peak resident size (VmHWM) of a process, 0 once it is gone. */
function peakOf(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** Samples the server's children every 20 ms; each child's VmHWM keeps its peak between samples. */
function watchChildren(pid: number) {
  const peaks = new Map<number, number>();
  const timer = setInterval(() => {
    for (const child of childrenOf(pid)) peaks.set(child, Math.max(peaks.get(child) ?? 0, peakOf(child)));
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(0, ...peaks.values());
    },
  };
}

describe('image decompression bombs (issue 8, item 3)', () => {
  let server: LiveServer;
  let auth: string;
  let childPeak = 0;

  beforeAll(async () => {
    server = await startLiveServer();
    const account = { name: 'Bomber', username: 'bomber', email: 'bomber@example.com', password: 'correct horse battery staple' };
    const registered = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(account) });
    expect(registered.status).toBe(201);
    auth = `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`;
  });
  afterAll(() => server?.stop());

  const upload = async (filename: string, content: Buffer) => {
    const form = new FormData();
    form.append('file', new Blob([content]), filename);
    const response = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization: auth } });
    return { status: response.status, body: (await response.json()) as { items: Array<{ id: string }> } };
  };
  const get = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: auth } });

  /** Waits until the file's processing has ended: done, or failed for good (a refused image is not retried). */
  async function settled(id: string): Promise<StoredFile> {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const file = (await (await get(`/api/v1/files/${id}`)).json()) as StoredFile;
      if (file.processing?.status !== 'pending') return file;
      if (Date.now() > deadline) throw new Error(`the media job of ${id} did not finish:\n${server.log().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const bombs: Array<[string, string, () => Buffer | Promise<Buffer>]> = [
    ['a 1 KB AVIF of 16383×16383 (one tile repeated in a grid)', 'bomb.avif', async () => avifGridBomb(await sharp({ create: { width: 1024, height: 1024, channels: 3, background: '#808080' } }).avif({ effort: 0 }).toBuffer(), 1024, 16383)],
    ['a 182 KB GIF of 16383×16383', 'bomb.gif', () => uniformGif(16383, 16383)],
    ['a GIF of 100 frames of 4000×4000', 'frames.gif', () => uniformGif(4000, 4000, 100)],
    ['a 32 KB PNG of 16383×16383', 'bomb.png', () => uniformPng(16383, 16383)],
  ];

  it.each(bombs)('%s is stored, never decoded, and gets no thumbnail', async (_name, filename, build) => {
    const content = await build();
    const children = watchChildren(server.pid);
    const { status, body } = await upload(filename, content);
    expect(status).toBe(201);
    const id = body.items[0]!.id;
    const file = await settled(id);
    childPeak = Math.max(childPeak, children.stop());
    expect(file.processing).toEqual({ status: 'failed', failedSteps: ['describe'] });
    expect(file.urls.thumbnail).toBeUndefined();
    expect((await get(`/api/v1/files/${id}/thumbnail`)).status).toBe(404);
    // The bytes are kept, whole.
    expect(Buffer.from(await (await get(`/api/v1/files/${id}/content`)).arrayBuffer()).equals(content)).toBe(true);
    expect(server.peakRssBytes() + childPeak).toBeLessThan(PEAK_LIMIT);
  });

  it('still makes thumbnails of normal images, animated ones from their first frame', async () => {
    for (const [filename, content, size] of [
      ['photo.jpg', await fixture('sample.jpg'), { width: 800, height: 600 }],
      ['wave.gif', uniformGif(640, 360, 20), { width: 640, height: 360 }],
    ] as const) {
      const { body } = await upload(filename, content);
      const file = await settled(body.items[0]!.id);
      expect(file).toMatchObject(size);
      const thumbnail = await get(file.urls.thumbnail!);
      expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    }
  });

  it('kept the server and its image worker together under 400 MB all along', () => {
    console.info(`peak RSS: server ${Math.round(server.peakRssBytes() / MB)} MB, image worker ${Math.round(childPeak / MB)} MB`);
    expect(server.peakRssBytes() + childPeak).toBeLessThan(PEAK_LIMIT);
  });
});
