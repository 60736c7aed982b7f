import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface LiveWorker {
  pid: number;
  log(): string;
  /** SIGKILL, as a crash would. */
  crash(): Promise<void>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A real `coffer worker` process (through tsx) on existing data and backends. */
export async function startLiveWorker(dataDir: string, env: Record<string, string>): Promise<LiveWorker> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'info', FACES_ENABLED: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-500_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coffer worker did not start within 30 s:\n${output}`)), 30_000);
    const onData = () => {
      if (!output.includes('worker started')) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`coffer worker exited with ${code} while starting:\n${output}`));
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!,
    log: () => output,
    async crash() {
      if (running()) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (running()) {
        process.kill(child.pid!, 'SIGTERM');
        const timer = setTimeout(() => running() && process.kill(child.pid!, 'SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return exited;
    },
  };
}
