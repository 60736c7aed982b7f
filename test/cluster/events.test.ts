import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reachable, SERVERS } from '../helpers/backends.js';
import { startCluster, type RunningCluster } from '../helpers/cluster.js';
import { requireOrSkip } from '../helpers/services.js';
import { isStepFor, SseClient, stepOf } from '../helpers/sse.js';

const canRun = requireOrSkip(
  existsSync('/usr/sbin/nginx') && (await reachable(SERVERS.redis)),
  `the cluster tests need nginx (apt-get install nginx-light) and Redis at ${SERVERS.redis} (scripts/services/databases-start.sh)`,
);

/**
 * Live events through the generated nginx in front of two instances whose only Redis is
 * SESSION_URL (so events take it too): each event reaches the browser as it is written,
 * and a step worked by either instance reaches a stream on either.
 */
describe.runIf(canRun)('live events through nginx', () => {
  let cluster: RunningCluster;
  const credentials = `Basic ${Buffer.from('nginxalice:nginxalice-password-1').toString('base64')}`;
  beforeAll(async () => {
    cluster = await startCluster(['--instances', '2', '--balance', 'round-robin'], { EVENTS_HEARTBEAT_SECONDS: '1' });
    const registered = await fetch(`${cluster.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Alice', username: 'nginxalice', email: 'nginxalice@example.com', password: 'nginxalice-password-1' }),
    });
    expect(registered.status).toBe(201);
  });
  afterAll(() => cluster?.stop());

  it('passes each event and heartbeat on as it is written, from whichever instance worked the step', async () => {
    // Two streams: round-robin puts them on different instances.
    const streams = [await SseClient.open(`${cluster.url}/api/v1/events`, { authorization: credentials }), await SseClient.open(`${cluster.url}/api/v1/events`, { authorization: credentials })];
    await Promise.all(streams.map((stream) => stream.ready()));
    const instances = new Set(streams.map((stream) => stream.response.headers.get('x-coffer-instance')));
    expect(instances.size).toBe(2);
    // Heartbeats of a few bytes each arrive every second: nothing holds them in a buffer.
    const heartbeats = streams[0]!.comments.length;
    await streams[0]!.until(() => (streams[0]!.comments.length - heartbeats >= 2 ? true : undefined), 4000, () => `${streams[0]!.comments.length - heartbeats} heartbeats in 4 s`);

    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const form = new FormData();
      const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i * 40, g: 9, b: 9 } } }).png().toBuffer();
      form.append('file', new Blob([image]), `nginx-${i}.png`);
      const response = await fetch(`${cluster.url}/api/v1/files`, { method: 'POST', body: form, headers: { authorization: credentials } });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { items: Array<{ id: string }> }).items[0]!.id);
    }
    for (const stream of streams) for (const id of ids) expect(stepOf(await stream.next(isStepFor(id))).status).toBe('done');
    for (const stream of streams) stream.close();
  }, 120_000);
});
