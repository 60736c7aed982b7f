import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_NODE_FLAGS } from '../../src/cluster/node-flags.js';
import { fixture } from '../helpers/app.js';
import { reachable, SERVERS } from '../helpers/backends.js';
import { runCluster, startCluster, type RunningCluster } from '../helpers/cluster.js';
import { paddedMedia, streamDownload, streamUpload } from '../helpers/http-client.js';
import { hasFfmpeg, requireOrSkip } from '../helpers/services.js';

const MiB = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const canRun = requireOrSkip(
  existsSync('/usr/sbin/nginx') && (await reachable(SERVERS.redis)),
  `the cluster tests need nginx (apt-get install nginx-light) and Redis at ${SERVERS.redis} (scripts/services/databases-start.sh)`,
);

interface Account {
  username: string;
  cookie: string;
  csrfToken: string;
  basic: string;
}

interface StoredFile {
  id: string;
  name: string;
  sha256: string;
  durationSeconds?: number;
  urls: { content: string; download: string; thumbnail?: string };
}

async function signUp(base: string, username: string): Promise<Account> {
  const password = `${username}-password-1`;
  const json = { 'content-type': 'application/json' };
  const registered = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ name: username, username, email: `${username}@example.com`, password }) });
  expect(registered.status).toBe(201);
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { username, cookie, csrfToken, basic: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** An upload as the browser makes it: session cookie and CSRF token. */
function upload(base: string, who: Account, name: string, content: Buffer): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([content]), name);
  return fetch(`${base}/api/v1/files`, { method: 'POST', body: form, headers: { cookie: who.cookie, 'x-csrf-token': who.csrfToken } });
}

async function uploadOne(base: string, who: Account, name: string, content: Buffer): Promise<StoredFile> {
  const response = await upload(base, who, name, content);
  expect(response.status).toBe(201);
  return ((await response.json()) as { items: StoredFile[] }).items[0]!;
}

async function listNames(base: string, who: Account): Promise<string[]> {
  const response = await fetch(`${base}/api/v1/files?limit=200`, { headers: { cookie: who.cookie } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: StoredFile[] }).items.map((file) => file.name);
}

/** Waits for the background media job, whose thumbnail is a blob too. */
async function settled(base: string, who: Account, file: StoredFile, kind: 'image' | 'video'): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(200)) {
    const now = (await (await fetch(`${base}/api/v1/files/${file.id}`, { headers: { cookie: who.cookie } })).json()) as StoredFile;
    if (kind === 'image' ? now.urls.thumbnail : !hasFfmpeg || now.durationSeconds !== undefined) return;
  }
  throw new Error(`the media job for ${file.name} did not finish`);
}

function withDatabase<T>(dataDir: string, work: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'coffer.db'));
  db.pragma('busy_timeout = 5000');
  try {
    return work(db);
  } finally {
    db.close();
  }
}

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * An upload that sends its first megabytes and then waits, so it is certainly in flight
 * (on whichever instance nginx chose) when the test acts.
 */
function startSlowUpload(url: string, authorization: string, header: Buffer, size: number) {
  const boundary = '----coffer-slow';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\nContent-Type: video/mp4\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const request = http.request(url, { method: 'POST', headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + size + tail.length } });
  const result = new Promise<{ status?: number; body?: string; error?: string }>((resolve) => {
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('error', (error) => resolve({ error: error.message }));
  });
  const first = Buffer.concat([header, Buffer.alloc(2 * MiB)]);
  request.write(head);
  request.write(first);
  return {
    result,
    /** Sends the rest; its fate was decided meanwhile. */
    finish() {
      request.end(Buffer.concat([Buffer.alloc(size - first.length), tail]));
    },
  };
}

describe.runIf(canRun)('coffer cluster: 3 instances, round-robin, shared Redis sessions', { timeout: 180_000 }, () => {
  let cluster: RunningCluster;
  let alice: Account;
  let bob: Account;
  let base: string;

  beforeAll(async () => {
    cluster = await startCluster(['--instances', '3', '--balance', 'round-robin']);
    base = cluster.url;
    alice = await signUp(base, 'alice');
    bob = await signUp(base, 'bob');
  });
  afterAll(() => cluster?.stop());

  it('spreads the requests of one signed-in session over all three instances', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${base}/api/v1/files`, { headers: { cookie: alice.cookie } });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      seen.add(response.headers.get('x-coffer-instance') ?? '');
    }
    expect([...seen].sort()).toEqual(['coffer-1', 'coffer-2', 'coffer-3']);
  });

  it('shows the three instances, alive, to an administrator', async () => {
    withDatabase(cluster.dataDir, (db) => db.prepare('update users set is_admin = 1 where username = ?').run('alice'));
    const response = await fetch(`${base}/api/v1/admin/instances`, { headers: { cookie: alice.cookie } });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: Array<{ id: string; pid: number; healthy: boolean }> };
    expect(items.map(({ id, pid, healthy }) => ({ id, pid, healthy }))).toEqual(
      ['coffer-1', 'coffer-2', 'coffer-3'].map((id) => ({ id, pid: cluster.pids.get(id), healthy: true })),
    );
    expect((await fetch(`${base}/api/v1/admin/instances`, { headers: { cookie: bob.cookie } })).status).toBe(403);
  });

  it("starts every instance with the servers' Node flags", () => {
    const instances = [...cluster.pids].filter(([id]) => id.startsWith('coffer-'));
    expect(instances).toHaveLength(3);
    for (const [id, pid] of instances) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      for (const flag of SERVER_NODE_FLAGS) expect(argv, id).toContain(flag);
    }
  });

  it('authenticates nginx to the instances: a local process cannot make one believe a forged X-Forwarded-For', async () => {
    // The configuration holds the per-start proxy secret.
    expect(statSync(path.join(cluster.dataDir, 'cluster', 'nginx.conf')).mode & 0o777).toBe(0o600);
    const port = /coffer-1 pid \d+ on http:\/\/127\.0\.0\.1:(\d+)/.exec(cluster.output())![1];
    const signIn = async (url: string, agent: string) => {
      const response = await fetch(`${url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': agent, 'x-forwarded-for': '203.0.113.9' },
        body: JSON.stringify({ username: 'bob', password: 'bob-password-1' }),
      });
      expect(response.status).toBe(200);
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(100)) {
        const row = withDatabase(cluster.dataDir, (db) => db.prepare("select ip from audit_events where action = 'auth.login' and user_agent = ?").get(agent) as { ip: string } | undefined);
        if (row) return row.ip;
      }
      throw new Error('the sign-in was not audited');
    };
    expect(await signIn(`http://127.0.0.1:${port}`, 'straight-to-the-instance')).toBe('127.0.0.1');
    // Through nginx, the client's own header is replaced by the address nginx saw.
    expect(await signIn(base, 'through-nginx')).toBe('127.0.0.1');
  });

  it('lets nginx send the bytes (X-Accel-Redirect) with the headers of Coffer, and still keeps people to their own files', async () => {
    const mp4 = await fixture('sample.mp4');
    const file = await uploadOne(base, alice, 'clip.mp4', mp4);
    const viaNginx = await fetch(`${base}${file.urls.content}`, { headers: { cookie: alice.cookie } });
    expect(viaNginx.status).toBe(200);
    expect(Buffer.from(await viaNginx.arrayBuffer()).equals(mp4)).toBe(true);
    expect(viaNginx.headers.get('accept-ranges')).toBe('bytes');

    // What Coffer itself answered (straight from an instance): nginx must pass all of it on.
    const port = /coffer-1 pid \d+ on http:\/\/127\.0\.0\.1:(\d+)/.exec(cluster.output())![1];
    const own = await fetch(`http://127.0.0.1:${port}${file.urls.content}`, { headers: { cookie: alice.cookie } });
    const blobKey = withDatabase(cluster.dataDir, (db) => (db.prepare('select blob_key from files where id = ?').get(file.id) as { blob_key: string }).blob_key);
    expect(own.headers.get('x-accel-redirect')).toBe(`/_protected_blobs/${blobKey}`);
    const perRequest = new Set(['x-accel-redirect', 'content-length', 'date', 'connection', 'keep-alive', 'x-request-id', 'x-coffer-instance']);
    for (const [name, value] of own.headers) {
      if (!perRequest.has(name)) expect(viaNginx.headers.get(name), name).toBe(value);
    }
    expect(viaNginx.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect(viaNginx.headers.get('content-security-policy')).toContain('sandbox');

    const range = await fetch(`${base}${file.urls.content}`, { headers: { cookie: alice.cookie, range: 'bytes=1000-1999' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1000-1999/${mp4.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(mp4.subarray(1000, 2000))).toBe(true);
    const tail = await fetch(`${base}${file.urls.content}`, { headers: { cookie: alice.cookie, range: 'bytes=-100' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(mp4.subarray(-100))).toBe(true);
    const unchanged = await fetch(`${base}${file.urls.content}`, { headers: { cookie: alice.cookie, 'if-none-match': `"${file.sha256}"` } });
    expect(unchanged.status).toBe(304);

    const stranger = await fetch(`${base}${file.urls.content}`, { headers: { cookie: bob.cookie } });
    expect(stranger.status).toBe(404);
    expect(await stranger.json()).toMatchObject({ code: 'not_found' });
    expect((await fetch(`${base}/_protected_blobs/${blobKey}`)).status).toBe(404);
    await settled(base, alice, file, 'video');
  });

  it('survives losing an instance under load: retries reads, keeps sessions, fails only the cut upload, and takes the instance back', async () => {
    const [jpg, mp3, mp4] = await Promise.all(['sample.jpg', 'sample.mp3', 'sample.mp4'].map(fixture));
    const photo = await uploadOne(base, alice, 'photo.jpg', jpg!);
    await settled(base, alice, photo, 'image');
    const downloads = [{ file: photo, bytes: jpg! }];

    // The upload the kill will cut: its partial file in tmp/ names the instance writing it.
    const slow = startSlowUpload(`${base}/api/v1/files`, alice.basic, mp4!, 16 * MiB);
    const tmp = path.join(cluster.dataDir, 'blobs', 'tmp');
    let victim: string | undefined;
    for (const deadline = Date.now() + 10_000; !victim && Date.now() < deadline; await sleep(50)) victim = readdirSync(tmp)[0]?.split('.')[0];
    expect(victim).toMatch(/^coffer-\d$/);
    const victimPid = cluster.pids.get(victim!)!;

    const outcomes: Array<{ kind: string; status: number; instance?: string | null; name?: string }> = [];
    const loadEnds = Date.now() + 4000;
    const killAt = Date.now() + 1000;
    let killed = false;
    const record = async (kind: string, request: () => Promise<Response>, check?: (body: Buffer) => boolean, name?: string) => {
      try {
        const response = await request();
        const body = Buffer.from(await response.arrayBuffer());
        const status = check && response.status === 200 && !check(body) ? -1 : response.status;
        outcomes.push({ kind, status, instance: response.headers.get('x-coffer-instance'), ...(name ? { name } : {}) });
      } catch {
        outcomes.push({ kind, status: 0, ...(name ? { name } : {}) });
      }
    };
    const lister = async () => {
      while (Date.now() < loadEnds) await record('list', () => fetch(`${base}/api/v1/files`, { headers: { cookie: alice.cookie } }));
    };
    const downloader = async () => {
      for (let i = 0; Date.now() < loadEnds; i++) {
        const { file, bytes } = downloads[i % downloads.length]!;
        await record('download', () => fetch(`${base}${file.urls.content}`, { headers: { cookie: alice.cookie } }), (body) => body.equals(bytes));
      }
    };
    const uploader = async () => {
      for (let i = 0; Date.now() < loadEnds; i++) {
        // The kill falls between two small uploads: one cut between its blob's rename and its
        // row's commit would leave an orphan for the janitor — a window of a few ms, not what
        // this test is about. The upload certainly cut mid-way is the slow one.
        if (!killed && Date.now() >= killAt) {
          process.kill(victimPid, 'SIGKILL');
          killed = true;
        }
        await record('upload', () => upload(base, alice, `load-${i}.mp3`, mp3!), undefined, `load-${i}.mp3`);
        await sleep(50);
      }
    };
    await Promise.all([lister(), lister(), downloader(), uploader()]);
    expect(killed).toBe(true);
    const cut = await Promise.race([slow.result, sleep(5000).then(() => undefined)]);
    slow.finish();
    const slowOutcome = cut ?? (await slow.result);

    const reads = outcomes.filter((o) => o.kind !== 'upload');
    const uploads = outcomes.filter((o) => o.kind === 'upload');
    const count = (list: typeof outcomes, status: number) => list.filter((o) => o.status === status).length;
    console.log(
      `failover: killed ${victim}; ${reads.length} reads (${count(reads, 200)} ok), ${uploads.length} uploads (${count(uploads, 201)} stored, ${count(uploads, 503)} refused), ` +
        `the cut upload: ${slowOutcome.status ?? slowOutcome.error}`,
    );

    // Reads were retried on the other instances; nobody was signed out.
    expect(reads.length).toBeGreaterThan(20);
    expect(reads.filter((o) => o.status !== 200)).toEqual([]);
    expect(new Set(reads.map((o) => o.instance)).size).toBeGreaterThanOrEqual(2);
    expect(uploads.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    expect((await fetch(`${base}/api/v1/auth/me`, { headers: { cookie: alice.cookie } })).status).toBe(200);
    // The cut upload failed for its client, in Coffer's error shape when an answer came at all.
    expect(slowOutcome.status ?? 0).not.toBe(201);
    if (slowOutcome.status !== undefined) expect(JSON.parse(slowOutcome.body ?? '{}')).toMatchObject({ code: 'unavailable' });

    // The supervisor restarts the instance, and nginx sends it requests again.
    await cluster.waitForOutput(new RegExp(`${victim} pid (?!${victimPid}\\b)\\d+`), 30_000);
    let rejoined = false;
    for (const deadline = Date.now() + 30_000; !rejoined && Date.now() < deadline; await sleep(100)) {
      const response = await fetch(`${base}/api/v1/files`, { headers: { cookie: alice.cookie } });
      await response.arrayBuffer();
      rejoined = response.headers.get('x-coffer-instance') === victim;
    }
    expect(rejoined).toBe(true);

    // Exactly the stored uploads are listed, and the blob folder holds exactly the blobs of
    // listed files and their thumbnails: nothing of the cut upload, no partial file.
    const names = await listNames(base, alice);
    expect(names).not.toContain('slow.mp4');
    for (const o of uploads) expect(names.includes(o.name!), `${o.name} (${o.status})`).toBe(o.status === 201);
    const keys = withDatabase(cluster.dataDir, (db) => db.prepare('select blob_key, thumbnail_key from files').all() as Array<{ blob_key: string; thumbnail_key: string | null }>);
    const expected = keys.flatMap((row) => [row.blob_key, ...(row.thumbnail_key ? [row.thumbnail_key] : [])]).sort();
    expect(filesIn(path.join(cluster.dataDir, 'blobs', 'objects'))).toEqual(expected);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('moves a 500 MiB file up and down through the balancer, byte-identical', async () => {
    const size = 500 * MiB;
    const header = await fixture('sample.mp4');
    const uploaded = await streamUpload(`${base}/api/v1/files`, alice.basic, 'big.mp4', size, paddedMedia(header, size));
    expect(uploaded.status, JSON.stringify(uploaded.json)).toBe(201);
    const [file] = uploaded.json.items as StoredFile[];
    expect(file).toMatchObject({ size, sha256: uploaded.sha256 });
    const download = await streamDownload(`${base}${file!.urls.content}`, { authorization: alice.basic });
    expect(download).toMatchObject({ status: 200, size, sha256: uploaded.sha256 });
    const tail = await streamDownload(`${base}${file!.urls.content}`, { authorization: alice.basic, range: `bytes=${size - MiB}-` });
    expect(tail).toMatchObject({ status: 206, size: MiB });
  });
});

describe.runIf(canRun)('coffer cluster with ip-hash', { timeout: 120_000 }, () => {
  let cluster: RunningCluster;
  beforeAll(async () => {
    cluster = await startCluster(['--instances', '2', '--balance', 'ip-hash', '--no-accel-redirect']);
  });
  afterAll(() => cluster?.stop());

  it('keeps one client on one instance', async () => {
    const seen = new Set<string | null>();
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${cluster.url}/healthz`);
      expect(response.status).toBe(200);
      seen.add(response.headers.get('x-coffer-instance'));
    }
    expect(seen.size).toBe(1);
  });
});

describe('coffer cluster refuses what cannot work', { timeout: 60_000 }, () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-refusal-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses memory: sessions with more than one instance, and says why', async () => {
    const { code, output } = await runCluster(['--instances', '2'], { DATA_DIR: dataDir, SESSION_URL: 'memory:' });
    expect(code).not.toBe(0);
    expect(output).toMatch(/SESSION_URL is memory:.*signed out.*SESSION_URL=redis:\/\/.*SESSION_URL=memcached:\/\//s);
  });

  it('says how to install nginx when it is missing', async () => {
    const { code, output } = await runCluster(['--instances', '1', '--nginx', '/nonexistent/nginx'], { DATA_DIR: dataDir, SESSION_URL: 'memory:' });
    expect(code).not.toBe(0);
    expect(output).toContain('apt-get install nginx-light');
  });
});
