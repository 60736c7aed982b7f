import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

export { freePort } from '../../src/cluster/cluster.js';

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** A private server process (redis-server, memcached) that a fault test may stop and restart. */
export class ServerProcess {
  private child: ChildProcess | undefined;

  constructor(
    readonly command: string,
    private readonly args: string[],
    readonly port: number,
  ) {}

  static redis(port: number): ServerProcess {
    return new ServerProcess('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], port);
  }

  static memcached(port: number): ServerProcess {
    return new ServerProcess('/usr/bin/memcached', ['-u', 'root', '-l', '127.0.0.1', '-p', String(port), '-m', '16'], port);
  }

  get installed(): boolean {
    return existsSync(this.command);
  }

  async start(): Promise<void> {
    this.child = spawn(this.command, this.args, { stdio: 'ignore' });
    await waitForPort(this.port);
  }

  /** Stops it by its PID and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
