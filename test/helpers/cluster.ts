import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes.js';
import { SERVERS } from './backends.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ClusterResult {
  code: number | null;
  output: string;
}

/** Runs `coffer cluster ARGS` from the sources (through tsx), as a user would. */
export function spawnCluster(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'cluster', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', FACES_ENABLED: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the command to its end (for refusals), with its output. */
export function runCluster(args: string[], env: Record<string, string>): Promise<ClusterResult> {
  const child = spawnCluster(args, env);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

export interface RunningCluster {
  url: string;
  dataDir: string;
  /** Instance id → current PID, as the supervisor printed them. */
  pids: Map<string, number>;
  output(): string;
  /** Resolves when the supervisor prints a line matching `pattern`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM to the supervisor, then SIGKILL to anything it started that is still there. */
  stop(): Promise<void>;
}

/** Redis for the cluster's sessions, under a key prefix of its own. */
export const sessionUrl = () => `${SERVERS.redis}?prefix=cluster-${randomBytes(4).toString('hex')}:`;

/**
 * `coffer cluster` on a free port with a fresh DATA_DIR. Every PID it prints (instances,
 * nginx) is remembered, so stop() can make sure none outlives the test.
 */
export async function startCluster(args: string[], env: Record<string, string> = {}): Promise<RunningCluster> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'coffer-cluster-'));
  const port = await freePort();
  const child = spawnCluster([...args, '--port', String(port)], { DATA_DIR: dataDir, SESSION_URL: sessionUrl(), ...env });
  let output = '';
  const pids = new Map<string, number>();
  const everyPid = new Set<number>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    // The whole output each time: a line may arrive in two chunks; a restart's line comes last.
    for (const [, name, pid] of output.matchAll(/^coffer cluster: (\S+) pid (\d+)/gm)) {
      pids.set(name!, Number(pid));
      everyPid.add(Number(pid));
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForOutput = (pattern: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = output.match(pattern);
        if (match) {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.off('exit', check);
          resolve(match);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`coffer cluster exited (${child.exitCode}) before printing ${pattern}:\n${output}`));
        }
      };
      const timer = setTimeout(() => reject(new Error(`coffer cluster did not print ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      child.stdout?.on('data', check);
      child.once('exit', check);
      check();
    });

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // Normally all gone with the supervisor. If not: SIGTERM first, since killing nginx's
    // master outright would leave its workers behind.
    const signal = (pid: number, name: NodeJS.Signals | 0) => {
      try {
        process.kill(pid, name);
        return true;
      } catch {
        return false;
      }
    };
    const left = [...everyPid].filter((pid) => signal(pid, 'SIGTERM'));
    for (const deadline = Date.now() + 5000; left.some((pid) => signal(pid, 0)) && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of left) signal(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForOutput(/serving (http:\/\/\S+)/);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, dataDir, pids, output: () => output, waitForOutput, stop };
}
