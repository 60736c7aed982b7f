import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, fixture, multipart, signUp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/processes.js';

/** One sample's value from Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('GET /metrics on its own listener', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('opens no listener when METRICS_PORT is unset', async () => {
    const port = await freePort();
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    expect(await accepts(port)).toBe(false);
    expect(t.app.hasDecorator('metricsAddress')).toBe(false);
  });

  it('counts requests per route pattern, transferred bytes, jobs and backend health', async () => {
    const port = await freePort();
    t = await createTestApp({ METRICS_PORT: String(port) });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    // The listener opens in an onListen hook, which listen() does not wait for.
    for (let i = 0; i < 40 && !t.app.metricsAddress(); i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(t.app.metricsAddress()?.port).toBe(port);
    const scrape = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    // The API port does not serve metrics, and the metrics port serves nothing else.
    expect((await fetch(`${base}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/files`)).status).toBe(404);

    const user = await signUp(t.app, 'metered');
    const photo = await fixture('sample.jpg');
    const body = multipart([{ filename: 'metered.jpg', content: photo }]);
    const uploaded = await fetch(`${base}/api/v1/files`, { method: 'POST', headers: { ...body.headers, authorization: user.basic }, body: body.payload });
    expect(uploaded.status).toBe(201);
    const { id } = ((await uploaded.json()) as { items: Array<{ id: string }> }).items[0]!;
    await t.services.backends.jobs.idle();

    const before = await scrape();
    const list = 'coffer_http_requests_total{method="GET",route="/api/v1/files",status="200"}';
    const listedBefore = sample(before, list) ?? 0;
    const unmatched = 'coffer_http_requests_total{method="GET",route="unmatched",status="404"}';
    const unmatchedBefore = sample(before, unmatched) ?? 0;
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${base}/api/v1/files`, { headers: { authorization: user.basic } })).status).toBe(200);
    const content = await fetch(`${base}/api/v1/files/${id}/content`, { headers: { authorization: user.basic } });
    expect(Buffer.from(await content.arrayBuffer()).equals(photo)).toBe(true);
    expect((await fetch(`${base}/no/such/${id}`)).status).toBe(404);
    // A streamed answer is counted when Node has handed its last byte to the socket, which
    // can be after the client has read it: the scrape waits for that count (bounded).
    const contentCount = 'coffer_http_requests_total{method="GET",route="/api/v1/files/:id/content",status="200"}';
    let after = await scrape();
    for (const deadline = Date.now() + 2000; sample(after, contentCount) === undefined && Date.now() < deadline; after = await scrape()) await new Promise((resolve) => setTimeout(resolve, 20));

    expect(sample(after, list)).toBe(listedBefore + 3);
    expect(sample(after, contentCount)).toBe(1);
    expect(sample(after, 'coffer_http_requests_total{method="POST",route="/api/v1/files",status="201"}')).toBe(1);
    expect(sample(after, unmatched)).toBe(unmatchedBefore + 1);
    expect(after, 'no raw URL (and so no file id) becomes a label').not.toContain(id);
    expect(sample(after, 'coffer_http_request_duration_seconds_count{method="GET",route="/api/v1/files",status="200"}')).toBe(listedBefore + 3);
    expect(sample(after, 'coffer_upload_bytes_total')).toBe(body.payload.length);
    expect(sample(after, 'coffer_download_bytes_total')).toBe(photo.length);
    expect(sample(after, 'coffer_jobs_waiting')).toBe(0);
    expect(sample(after, 'coffer_jobs_running')).toBe(0);
    expect(sample(after, 'coffer_jobs_failed')).toBe(0);
    for (const service of ['database', 'storage', 'sessions']) expect(sample(after, `coffer_backend_up{service="${service}"}`)).toBe(1);
    expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
