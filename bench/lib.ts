/**
 * Plumbing for the benchmark: child processes we own (and always stop), curl as the one
 * client for every server, and peak-memory readings from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SERVER_NODE_FLAGS } from '../src/cluster/node-flags.js';

// Every process we start, by PID, so both `finally` and a Ctrl-C handler can stop them.
const owned = new Map<number, { name: string; child: ChildProcess }>();

export interface Service {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
}

export function commandExists(command: string, versionFlag = '--version'): boolean {
  return spawnSync(command, [versionFlag], { stdio: 'ignore' }).error === undefined;
}

/** Output of a quick command (versions); empty when it cannot run. */
export function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

/** Asks the kernel for a free port; the tiny race until the server binds it is acceptable here. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * The Node flags a Coffer process is started with here: those `npm start` uses, or
 * COFFER_NODE_FLAGS (space-separated; empty for Node's defaults) to measure others.
 */
export function cofferNodeFlags(): string[] {
  const given = process.env.COFFER_NODE_FLAGS;
  return given === undefined ? [...SERVER_NODE_FLAGS] : given.split(' ').filter(Boolean);
}

/** Starts a server process with its output in a log file (pipes could fill up and stall it). */
export function startService(name: string, command: string, args: string[], logFile: string, env: Record<string, string> = {}): Service {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  owned.set(child.pid, { name, child });
  child.once('exit', () => owned.delete(child.pid ?? -1));
  return { name, pid: child.pid, child, logFile };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** SIGTERM, then SIGKILL if it has not gone within 5 s. */
export async function stopService(service: Service): Promise<void> {
  const { child, pid } = service;
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signal(pid, 'SIGTERM');
  const timer = setTimeout(() => signal(pid, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** For signal handlers, where nothing can be awaited: every process we own, by its PID. */
export function killAllOwnedSync(): void {
  for (const pid of owned.keys()) signal(pid, 'SIGKILL');
}

/** Polls `url` until it answers 200; fails early if the process died (its log says why). */
export async function waitReady(service: Service, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited(service.child)) throw new Error(`${service.name} exited during start-up; see ${service.logFile}:\n${tail(service.logFile)}`);
    try {
      // HEAD: the probe may be a 200 MB file.
      const response = await fetch(url, { method: 'HEAD' });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${service.name} was not ready within ${timeoutMs / 1000} s; see ${service.logFile}`);
}

export function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

/**
 * Writes dirty pages out (sync(1)) between measurements: otherwise the kernel flushes the
 * previous gigabyte in the middle of the next run and throttles whichever server is writing.
 */
export function flushDirtyPages(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let uncachedListings = 0;
/**
 * A query part that makes a listing request a page of its own (a far-future `takenTo` of
 * its own, which leaves out no file), so no page Coffer keeps answers it: what is timed is
 * the page's query, as after any change to the library (features/files/listing-cache.ts).
 */
export const uncachedListingPart = () => `&takenTo=${new Date(Date.UTC(2100, 0, 1) + ++uncachedListings).toISOString()}`;

/** Runs curl to completion (owned, so Ctrl-C stops it too) and returns its stdout. */
function runCurl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['--silent', '--show-error', '--max-time', '180', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) owned.set(child.pid, { name: 'curl', child });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      owned.delete(child.pid ?? -1);
      if (code === 0) resolve(stdout);
      else reject(new Error(`curl failed (exit ${code}): ${stderr.trim()}`));
    });
  });
}

export interface Transfer {
  /** Payload bytes (the file's size, for uploads too). */
  bytes: number;
  /** The whole request, as a user experiences it. */
  totalSeconds: number;
  /** Time to the first response byte: the server's fixed cost (routing, auth) before streaming. */
  ttfbSeconds: number;
  /** Response body (uploads only). */
  body: string;
  /** CPU (user + system, all threads) the server spent on it; steadier than time on a busy machine. */
  serverCpuSeconds?: number;
}

/** Payload bytes per second over the whole request. */
export const rate = (t: Transfer) => t.bytes / t.totalSeconds;

/**
 * Download rate once the first byte arrived: the streaming itself, without the per-request
 * fixed cost. (For uploads the response comes after the body, so this would be meaningless.)
 */
export const streamingRate = (t: Transfer) => t.bytes / (t.totalSeconds - t.ttfbSeconds);

// Appended by curl after the body, on its own line, so the body can be split off.
const METRICS = '\n%{http_code} %{size_download} %{size_upload} %{time_starttransfer} %{time_total}';

function parseMetrics(stdout: string, expectStatus: number, what: string): { body: string; downloaded: number; total: number; ttfb: number } {
  const cut = stdout.lastIndexOf('\n');
  const [status, downloaded, , ttfb, total] = stdout.slice(cut + 1).split(' ').map(Number);
  const body = stdout.slice(0, cut);
  if (status !== expectStatus) throw new Error(`${what}: HTTP ${status}, expected ${expectStatus}: ${body.slice(0, 300)}`);
  return { body, downloaded: downloaded ?? 0, total: total ?? NaN, ttfb: ttfb ?? NaN };
}

/** GET to /dev/null, the same way for every server. */
export async function download(url: string, expectedBytes: number, credentials: string[] = []): Promise<Transfer> {
  const stdout = await runCurl(['--output', '/dev/null', '--write-out', METRICS, ...credentials, url]);
  const m = parseMetrics(stdout, 200, `GET ${url}`);
  // A short body would look like a fast server: refuse to count it.
  if (m.downloaded !== expectedBytes) throw new Error(`GET ${url}: got ${m.downloaded} bytes, expected ${expectedBytes}`);
  return { bytes: expectedBytes, totalSeconds: m.total, ttfbSeconds: m.ttfb, body: '' };
}

/** multipart/form-data POST with the file in a part named `file`: identical bytes on the wire for every server. */
export async function upload(url: string, file: string, fileBytes: number, credentials: string[] = []): Promise<Transfer> {
  const stdout = await runCurl(['--output', '-', '--write-out', METRICS, ...credentials, '--form', `file=@${file}`, url]);
  const m = parseMetrics(stdout, 201, `POST ${url}`);
  // Rated on the file's size, not the slightly larger multipart body, for both servers alike.
  return { bytes: fileBytes, totalSeconds: m.total, ttfbSeconds: m.ttfb, body: m.body };
}

/** CPU time a process has used so far, user + system, all threads (/proc clock ticks are 1/100 s on Linux). */
export function cpuSeconds(pid: number): number {
  // Fields after "(comm) ": state is [0], so utime and stime are [11] and [12].
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs a transfer and records the CPU the server spent meanwhile. */
export async function withServerCpu(pid: number, transfer: () => Promise<Transfer>): Promise<Transfer> {
  const before = cpuSeconds(pid);
  const result = await transfer();
  return { ...result, serverCpuSeconds: cpuSeconds(pid) - before };
}

/** Peak resident set size so far (VmHWM), in bytes. */
export const peakRss = (pid: number) => statusBytes(pid, 'VmHWM');

/** Resident set size now (VmRSS), in bytes. */
export const currentRss = (pid: number) => statusBytes(pid, 'VmRSS');

function statusBytes(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no ${field} for PID ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Resets VmHWM to the current RSS (Linux ≥ 4.0, "5" > clear_refs), so the peak covers only
 * the phase being measured. Returns false where the kernel does not allow it.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/**
 * sample.mp4 then a repeated random block up to `size`: a real MP4 head for Coffer's type
 * sniffing, and real bytes (not a sparse file) so every server reads ordinary page cache.
 */
export function makeMediaFile(file: string, size: number): void {
  const head = readFileSync(path.join(import.meta.dirname, '..', 'test', 'fixtures', 'sample.mp4'));
  const block = randomBytes(1 << 20);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, head);
    for (let written = head.length; written < size; ) written += writeSync(fd, block, 0, Math.min(block.length, size - written));
  } finally {
    closeSync(fd);
  }
}
