/**
 * Clients for bench/backends.ts: a Coffer account with a session cookie (curl for the
 * measured transfers, fetch for the unmeasured calls), and a small keep-alive load client
 * for requests per second.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { median, sleep, upload, withServerCpu, type Transfer } from './lib.js';

interface FileJson {
  id: string;
  size: number;
  durationSeconds?: number;
}

/** One Coffer account, signed in with a session cookie (one argon2id check, at login). */
export class CofferSession {
  private constructor(
    readonly base: string,
    /** `coffer_session=…`, for a Cookie header. */
    readonly cookie: string,
    /** Sent as X-CSRF-Token with every unsafe request made with the cookie. */
    private readonly csrfToken: string,
  ) {}

  static async create(base: string, username: string): Promise<CofferSession> {
    const password = randomBytes(12).toString('hex');
    const json = { 'Content-Type': 'application/json' };
    const registered = await fetch(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: username, username, email: `${username}@example.com`, password }),
    });
    if (registered.status !== 201) throw new Error(`register ${username}: HTTP ${registered.status}: ${await registered.text()}`);
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password }) });
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('coffer_session='));
    if (login.status !== 200 || !cookie) throw new Error(`login ${username}: HTTP ${login.status}: ${await login.text()}`);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    return new CofferSession(base, cookie.split(';')[0] ?? '', csrfToken);
  }

  /** curl arguments that send the session cookie (and the CSRF token uploads need). */
  get curlCredentials(): string[] {
    return ['--cookie', this.cookie, '--header', `X-CSRF-Token: ${this.csrfToken}`];
  }

  private call(method: string, url: string, body?: FormData): Promise<Response> {
    return fetch(`${this.base}${url}`, { method, headers: { Cookie: this.cookie, 'X-CSRF-Token': this.csrfToken }, ...(body ? { body } : {}) });
  }

  /** The measured upload: curl, multipart, like bench/run.ts, with Coffer's CPU meanwhile. */
  async upload(file: string, size: number, serverPid: number): Promise<{ transfer: Transfer; id: string }> {
    const transfer = await withServerCpu(serverPid, () => upload(`${this.base}/api/v1/files`, file, size, this.curlCredentials));
    const stored = (JSON.parse(transfer.body) as { items: FileJson[] }).items[0];
    if (!stored || stored.size !== size) throw new Error(`Coffer stored ${stored?.size} bytes, expected ${size}`);
    return { transfer, id: stored.id };
  }

  /** Several small files in one unmeasured request (parts named "file"). */
  async uploadSmall(content: Buffer, count: number, type: string): Promise<string[]> {
    const form = new FormData();
    for (let i = 0; i < count; i++) form.append('file', new Blob([content], { type }), `sample-${String(i + 1).padStart(2, '0')}.mp4`);
    const response = await this.call('POST', '/api/v1/files', form);
    if (response.status !== 201) throw new Error(`upload of ${count} files: HTTP ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { items: FileJson[] }).items.map((f) => f.id);
  }

  async list(): Promise<FileJson[]> {
    const response = await this.call('GET', '/api/v1/files');
    if (response.status !== 200) throw new Error(`GET /api/v1/files: HTTP ${response.status}`);
    return ((await response.json()) as { items: FileJson[] }).items;
  }

  /**
   * Waits for the post-upload jobs (ffprobe + a poster frame, reading from the store) to
   * finish, so their work does not land in the next measurement.
   */
  async settle(ids: string[], timeoutMs = 30_000): Promise<void> {
    const pending = new Set(ids);
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
      for (const id of [...pending]) {
        const file = (await (await this.call('GET', `/api/v1/files/${id}`)).json()) as FileJson;
        if (file.durationSeconds !== undefined) pending.delete(id);
      }
      if (pending.size === 0) return;
    }
    console.warn(`  (${pending.size} media job(s) not finished after ${timeoutMs / 1000} s; going on)`);
  }

  async delete(id: string): Promise<void> {
    const response = await this.call('DELETE', `/api/v1/files/${id}`);
    if (response.status !== 204) throw new Error(`DELETE ${id}: HTTP ${response.status}`);
  }
}

export interface LoadOptions {
  concurrency: number;
  warmUpMs: number;
  durationMs: number;
}

export interface LoadResult {
  /** Requests completed inside the measured window. */
  requests: number;
  seconds: number;
  /** Milliseconds, one per counted request. */
  latencies: number[];
  errors: number;
}

export const requestsPerSecond = (results: LoadResult[]) => results.reduce((n, r) => n + r.requests, 0) / results.reduce((s, r) => s + r.seconds, 0);

/** Latency percentile (0–100) over all counted requests of `results`, in ms. */
export function percentile(results: LoadResult[], p: number): number {
  const all = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  if (all.length === 0) return NaN;
  if (p === 50) return median(all);
  return all[Math.min(all.length - 1, Math.ceil((p / 100) * all.length) - 1)] ?? NaN;
}

/**
 * `concurrency` loops of GET `url` on keep-alive connections for warmUpMs + durationMs. A
 * request counts when it completes inside the measured window (after the warm-up); its
 * latency is from sending to the end of the body. Any answer but 200 is an error.
 */
export async function loadTest(url: string, headers: Record<string, string>, options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const start = performance.now();
  const windowStart = start + options.warmUpMs;
  const windowEnd = windowStart + options.durationMs;
  const result: LoadResult = { requests: 0, seconds: options.durationMs / 1000, latencies: [], errors: 0 };

  const once = () =>
    new Promise<number>((resolve, reject) => {
      const request = http.get(url, { agent, headers }, (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      });
      request.on('error', reject);
    });

  const worker = async () => {
    while (performance.now() < windowEnd) {
      const sent = performance.now();
      let ok: boolean;
      try {
        ok = (await once()) === 200;
      } catch {
        ok = false;
      }
      const done = performance.now();
      if (!ok) {
        result.errors++;
        // A server that refuses everything must not become a busy loop, nor a long wait.
        if (result.errors > 100) throw new Error(`GET ${url}: more than 100 failed requests`);
        continue;
      }
      if (done >= windowStart && done <= windowEnd) {
        result.requests++;
        result.latencies.push(done - sent);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return result;
}
