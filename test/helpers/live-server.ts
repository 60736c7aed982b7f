import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { provisionBackends } from './backends.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface LiveServer {
  url: string;
  pid: number;
  dataDir: string;
  /** The server's log so far (JSON lines), for failure messages. */
  log(): string;
  /** Peak resident memory of the server process (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Kills the process at once (SIGKILL), as a crash would, keeping its data. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

export interface LiveServerOptions {
  env?: Record<string, string>;
  /**
   * Run on existing data and backends (a second instance, or a restart) instead of fresh
   * ones; the caller then owns their cleanup.
   */
  shared?: { dataDir: string; env: Record<string, string> };
}

/**
 * A real Coffer process on a free port with a fresh DATA_DIR and the test profile's
 * backends, running the current sources (through tsx) and serving the UI from dist/web.
 */
export async function startLiveServer(options: LiveServerOptions = {}): Promise<LiveServer> {
  const dataDir = options.shared?.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'coffer-live-'));
  const backends = options.shared ? { env: options.shared.env, cleanup: async () => {} } : await provisionBackends();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', FACES_ENABLED: '0', ...backends.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Coffer did not start within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Coffer exited with ${code} before listening:\n${output}`));
    });
  });

  const pid = child.pid!;
  return {
    url,
    pid,
    dataDir,
    log: () => output,
    peakRssBytes() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
      return kb * 1024;
    },
    async crash() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (options.shared) return;
      await backends.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
